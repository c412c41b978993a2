import { stateCommand } from './rig-state.js';

export const { spec, run } = stateCommand('park');
