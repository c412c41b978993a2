// Wires the page: the live connection draws snapshots and events; clicks on [data-action]
// confirm and run actions, or open a terminal.

import { confirmAndRun } from './actions.js';
import { connectLive } from './live.js';
import { addEvents, renderAgents, renderSnapshot, updateFeedEmpty } from './render.js';
import { initTerminal, openTerminal } from './terminal.js';

const $ = (id) => document.getElementById(id);
let last;

function setConnection(state, detail) {
  const c = $('conn');
  c.dataset.state = state;
  c.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…';
  c.dataset.tone = state === 'live' ? 'ok' : 'warn';
  c.title = detail ?? '';
  document.body.dataset.connection = state;
}

connectLive({
  onState: setConnection,
  onMessage(m) {
    if (m.type === 'snapshot') {
      last = m.snapshot;
      // Kept for a person (or a test) poking at the page from the console.
      window.__lastSnapshot = last;
      renderSnapshot(last);
    } else if (m.type === 'events') addEvents(m.events);
    else if (m.type === 'event') addEvents([m.event]);
    else if (m.type === 'error') {
      $('errors').textContent = m.message;
      $('errors').hidden = false;
    }
  },
});

document.addEventListener('click', (ev) => {
  const b = ev.target.closest?.('[data-action]');
  if (!b || b.disabled) return;
  const { action, subject } = b.dataset;
  if (action === 'attach') openTerminal(subject);
  else void confirmAndRun(action, subject, last);
});

initTerminal();

$('show-ticks').addEventListener('change', (ev) => {
  $('feed-list').classList.toggle('show-ticks', ev.target.checked);
  updateFeedEmpty();
});

// "3m ago" and backoff countdowns move on their own between snapshots (display only: nothing is fetched).
setInterval(() => {
  if (last && document.visibilityState === 'visible') renderAgents(last.agents ?? []);
}, 5000);
