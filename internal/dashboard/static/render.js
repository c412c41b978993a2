// Draws a snapshot into the page. Text goes in with textContent only (never HTML), so nothing
// an agent or a bead title holds can become markup. Rows are keyed, so a change updates a row in
// place rather than redrawing the table under the person's finger.

import { agentState, clock, lastExit, relative, restartNote, stateSince } from './format.js';

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null && c !== false) e.append(c);
  return e;
}

function button(label, action, subject, extra = '') {
  return el('button', { type: 'button', class: `btn btn-small ${extra}`.trim(), text: label, dataset: { action, subject } });
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

const AGENT_COLUMNS = [
  ['identity', 'Agent'],
  ['role', 'Role'],
  ['rig', 'Rig'],
  ['state', 'State'],
  ['since', 'Since'],
  ['hook', 'Hook'],
  ['crashes', 'Crashes'],
  ['last_exit', 'Last exit'],
  ['actions', ''],
];

function makeAgentRow() {
  const tr = el('tr');
  for (const [col, label] of AGENT_COLUMNS) tr.append(el('td', { dataset: { col, label } }));
  const cells = Object.fromEntries([...tr.children].map((td) => [td.dataset.col, td]));
  cells.identity.append(el('span', { class: 'id' }), el('small'));
  cells.state.append(el('span', { class: 'badge' }), el('span', { class: 'state-extra' }));
  const actions = el('div', { class: 'row-actions' });
  actions.append(button('Attach', 'attach', ''), button('Nudge', 'nudge', ''), button('Clear backoff', 'clear-backoff', '', 'btn-warn'));
  cells.actions.append(actions);
  return tr;
}

function fillAgentRow(tr, a, now) {
  const c = Object.fromEntries([...tr.children].map((td) => [td.dataset.col, td]));
  tr.dataset.identity = a.identity;
  tr.dataset.liveness = a.liveness;
  tr.dataset.state = a.state ?? '';
  setText(c.identity.firstChild, a.identity);
  setText(c.identity.lastChild, [a.role, a.rig, a.runtime].filter(Boolean).join(' · '));
  c.identity.title = `session ${a.session}${a.pid ? `, pid ${a.pid}` : ''}\n${a.liveness_reason ?? ''}`;
  setText(c.role, a.role);
  setText(c.rig, a.rig ?? '-');
  const st = agentState(a);
  const badge = c.state.firstChild;
  setText(badge, st.label);
  badge.dataset.tone = st.tone;
  const note = restartNote(a, now);
  setText(c.state.lastChild, note);
  c.state.lastChild.hidden = !note;
  const since = stateSince(a);
  setText(c.since, since ? relative(since, now) : '-');
  c.since.title = since ?? '';
  setText(c.hook, a.hook ?? '-');
  c.hook.toggleAttribute('data-empty', !a.hook);
  setText(c.crashes, String(a.crashes ?? 0));
  const exit = lastExit(a);
  setText(c.last_exit, exit || '-');
  c.last_exit.toggleAttribute('data-empty', !exit);
  c.last_exit.title = exit;
  const [attach, nudge, clear] = c.actions.firstChild.children;
  for (const b of [attach, nudge, clear]) b.dataset.subject = a.identity;
  attach.disabled = a.liveness === 'dead';
  nudge.disabled = a.liveness !== 'alive';
  clear.hidden = !(a.crashes > 0 || a.crash_loop || a.next_attempt || a.last_start_error);
}

export function renderAgents(agents, now = Date.now()) {
  const body = $('agents-body');
  const have = new Map([...body.children].map((tr) => [tr.dataset.identity, tr]));
  const rows = agents.map((a) => {
    const tr = have.get(a.identity) ?? makeAgentRow();
    have.delete(a.identity);
    fillAgentRow(tr, a, now);
    return tr;
  });
  for (const stale of have.values()) stale.remove();
  rows.forEach((tr, i) => {
    if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] ?? null);
  });
  setText($('agents-count'), String(agents.length));
  $('agents-empty').hidden = agents.length > 0;
  $('agents-table').hidden = agents.length === 0;
}

function renderAttention(items) {
  const list = $('attention-list');
  list.replaceChildren(
    ...items.map((it) => {
      if (it.kind === 'question') {
        return el(
          'li',
          { dataset: { kind: 'question', id: it.id } },
          el(
            'div',
            { class: 'what' },
            el('strong', { text: `${it.agent ?? it.from} asks: ` }),
            el('span', { class: 'question-text', text: it.text }),
            el('small', { text: [`asked ${relative(it.asked_at)}`, it.expires_at && `waits until ${clock(it.expires_at)}`, it.options?.length && `answer: ${it.options.join(' / ')}`].filter(Boolean).join(' · ') }),
          ),
          button('Answer', 'answer', it.id, 'btn-primary'),
        );
      }
      return el(
        'li',
        { dataset: { kind: 'needs_human', agent: it.agent } },
        el('div', { class: 'what' }, el('strong', { text: it.agent }), document.createTextNode(` needs a person: ${it.reason}`), el('small', { text: it.since ? `since ${relative(it.since)}` : '' })),
        button('Attach', 'attach', it.agent, 'btn-primary'),
      );
    }),
  );
  setText($('attention-count'), String(items.length));
  $('attention').hidden = items.length === 0;
}

function renderDispatch(d) {
  const queued = d?.queued ?? [];
  const working = d?.working ?? [];
  $('dispatch-list').replaceChildren(
    ...queued.map((q, i) =>
      el('li', { dataset: { kind: 'queued', id: q.id } }, el('div', { class: 'main' }, el('span', { class: 'badge', dataset: { tone: 'muted' }, text: `#${i + 1} queued` }), el('span', { class: 'name', text: q.id }), el('span', { text: q.title })), el('span', { class: 'detail', text: `${q.rig} · ${relative(q.queued_at)}` })),
    ),
    ...working.map((w) =>
      el('li', { dataset: { kind: 'working', identity: w.identity } }, el('div', { class: 'main' }, el('span', { class: 'badge', dataset: { tone: w.liveness === 'alive' ? 'ok' : 'bad' }, text: w.liveness === 'alive' ? (w.state ?? 'running') : w.liveness }), el('span', { class: 'name', text: w.identity })), el('span', { class: 'detail', text: `on ${w.hook}` })),
    ),
  );
  $('dispatch').hidden = queued.length + working.length === 0;
}

const RIG_TONES = { active: 'ok', parked: 'warn', docked: 'muted' };

function renderRigs(rigs) {
  $('rigs-list').replaceChildren(
    ...rigs.map((r) =>
      el(
        'li',
        { dataset: { rig: r.name, state: r.state } },
        el('div', { class: 'main' }, el('span', { class: 'name', text: r.name }), el('span', { class: 'badge', dataset: { tone: RIG_TONES[r.state] ?? 'muted' }, text: r.state }), el('span', { class: 'detail', text: `${r.prefix} · ${r.main_branch ?? '?'}${r.agent ? ` · ${r.agent}` : ''}` })),
        r.state === 'active' ? button('Park', 'park', r.name) : r.state === 'parked' ? button('Unpark', 'unpark', r.name, 'btn-primary') : el('span', { class: 'detail', text: 'gt rig undock' }),
      ),
    ),
  );
  setText($('rigs-count'), String(rigs.length));
  $('rigs-empty').hidden = rigs.length > 0;
}

const MQ_TONES = { queued: 'info', merged: 'ok', conflict: 'bad', failed: 'bad' };

function renderMq(entries) {
  $('mq-list').replaceChildren(
    ...entries.map((e) =>
      el(
        'li',
        { dataset: { id: e.id, status: e.status } },
        el('div', { class: 'main' }, el('span', { class: 'badge', dataset: { tone: MQ_TONES[e.status] ?? 'muted' }, text: e.status }), el('span', { class: 'name', text: e.branch })),
        el('span', { class: 'detail', text: `${e.rig} · ${e.source_bead}${e.merged_commit ? ` · ${e.merged_commit.slice(0, 10)}` : ''}${e.conflict_files?.length ? ` · ${e.conflict_files.join(', ')}` : ''}${e.error ? ` · ${e.error}` : ''}` }),
      ),
    ),
  );
  const open = entries.filter((e) => e.status !== 'merged').length;
  setText($('mq-count'), String(open));
  $('mq-empty').hidden = entries.length > 0;
}

function renderHeader(s) {
  setText($('town-name'), s.town?.name ?? 'gt');
  document.title = `${s.town?.name ?? 'gt'} · gt dashboard`;
  const d = $('daemon');
  setText(d, s.daemon?.running ? `daemon pid ${s.daemon.pid}` : 'daemon stopped');
  d.dataset.tone = s.daemon?.running ? 'ok' : 'bad';
  d.title = s.daemon?.reason ?? '';
  const estop = s.estop?.set === true;
  $('estop-banner').hidden = !estop;
  $('estop-btn').hidden = estop;
  setText($('estop-detail'), estop ? [s.estop.created_at && `Since ${clock(s.estop.created_at)}`, s.estop.by && `by ${s.estop.by}`, s.estop.reason && `(${s.estop.reason})`].filter(Boolean).join(' ') + '.' : '');
  const errs = s.errors ?? [];
  $('errors').hidden = errs.length === 0;
  setText($('errors'), errs.map((e) => `${e.section}: ${e.message}`).join('\n'));
}

export function renderSnapshot(s) {
  renderHeader(s);
  renderAttention(s.attention ?? []);
  renderAgents(s.agents ?? []);
  renderDispatch(s.dispatch);
  renderRigs(s.rigs ?? []);
  renderMq(s.merge_queue ?? []);
}

const FEED_MAX = 200;

/** Newest first; duplicates (a replay after a reconnect) are skipped by the daemon's pid and seq. */
export function addEvents(events) {
  const list = $('feed-list');
  for (const e of events) {
    const key = `${e.seq}@${e.time}`;
    if (list.querySelector(`li[data-key="${CSS.escape(key)}"]`)) continue;
    list.prepend(el('li', { dataset: { key, type: e.type, ok: e.ok === false ? 'false' : 'true' } }, el('time', { datetime: e.time, text: clock(e.time) }), el('span', { text: e.text ?? e.type })));
  }
  while (list.children.length > FEED_MAX) list.lastChild.remove();
  updateFeedEmpty();
}

/** "No events yet" while nothing shown: tick events are hidden unless asked for. */
export function updateFeedEmpty() {
  const list = $('feed-list');
  const ticks = list.classList.contains('show-ticks');
  $('feed-empty').hidden = [...list.children].some((li) => ticks || !li.dataset.type.startsWith('tick'));
}
