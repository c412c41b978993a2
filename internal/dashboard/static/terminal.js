// A terminal into an agent's tmux session: xterm.js here, a tmux client in a pty on the server.
// It opens watching (the server attaches read-only and drops any keys); "Take control" asks the
// server for a normal client. Closing the dialog (or the page) detaches; the session lives on.

import { Terminal } from '/assets/xterm.mjs';
import { FitAddon } from '/assets/addon-fit.mjs';
import { toast } from './actions.js';

const $ = (id) => document.getElementById(id);

let current;

function setMode(mode) {
  const d = $('term-dialog');
  d.dataset.mode = mode;
  const pill = $('term-mode');
  pill.textContent = mode === 'control' ? 'in control' : mode === 'watch' ? 'watching' : mode;
  pill.dataset.tone = mode === 'control' ? 'warn' : mode === 'watch' ? 'info' : 'muted';
  $('term-take').hidden = mode !== 'watch';
  $('term-note').textContent =
    mode === 'control'
      ? 'You are typing into the agent\u2019s session. Close to detach (the session keeps running).'
      : 'Read-only: your keys are not sent. Take control to type into the session.';
}

function close() {
  if (!current) return;
  const c = current;
  current = undefined;
  c.ws.close(1000, 'closed by the person');
  c.term.dispose();
  $('term').replaceChildren();
  if ($('term-dialog').open) $('term-dialog').close();
}

export function openTerminal(agent) {
  close();
  const term = new Terminal({
    convertEol: false,
    cursorBlink: false,
    disableStdin: false,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
    fontSize: window.innerWidth < 600 ? 11 : 13,
    scrollback: 2000,
    theme: { background: '#000000' },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  $('term-agent').textContent = agent;
  setMode('connecting');
  $('term-dialog').showModal();
  term.open($('term'));

  const url = new URL('/ws/term', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('agent', agent);
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const c = { ws, term, fit, mode: 'connecting' };
  current = c;

  ws.addEventListener('message', (ev) => {
    if (typeof ev.data !== 'string') {
      term.write(new Uint8Array(ev.data));
      return;
    }
    let m;
    try {
      m = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (m.t === 'ready') {
      c.mode = m.mode;
      setMode(m.mode);
      // Watching shows the agent's window at its own size; in control the page's size is used.
      if (m.mode === 'watch') term.resize(m.cols, m.rows);
      else c.onResize();
      term.focus();
    } else if (m.t === 'error' || m.t === 'exit') {
      term.write(`\r\n\x1b[33m[${m.message}]\x1b[0m\r\n`);
      setMode('ended');
    }
  });
  ws.addEventListener('close', () => {
    if (current === c && c.mode !== 'ended') {
      term.write('\r\n\x1b[33m[disconnected]\x1b[0m\r\n');
      setMode('ended');
    }
  });
  // Keys go to the server only in control mode; the server drops them otherwise anyway.
  term.onData((d) => {
    if (c.mode === 'control' && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ t: 'in', d }));
  });
  c.onResize = () => {
    if (c.mode !== 'control') return;
    fit.fit();
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ t: 'resize', cols: term.cols, rows: term.rows }));
  };
}

function takeControl() {
  const c = current;
  if (!c || c.mode !== 'watch' || c.ws.readyState !== WebSocket.OPEN) return;
  // Lay the dialog out for control (a fixed-height terminal) before measuring what fits.
  $('term-dialog').dataset.mode = 'control';
  c.fit.fit();
  const cols = Math.max(20, Math.min(500, c.term.cols));
  const rows = Math.max(5, Math.min(300, c.term.rows));
  c.ws.send(JSON.stringify({ t: 'take', cols, rows }));
  toast('You have control: keys now go to the session');
}

export function initTerminal() {
  $('term-close').addEventListener('click', close);
  $('term-take').addEventListener('click', takeControl);
  // Esc would close the dialog; in a terminal it is a key the agent may need.
  $('term-dialog').addEventListener('cancel', (e) => {
    if (current?.mode === 'control') e.preventDefault();
    else close();
  });
  $('term-dialog').addEventListener('close', close);
  window.addEventListener('resize', () => current?.onResize?.());
}
