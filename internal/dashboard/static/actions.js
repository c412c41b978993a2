// Actions: each one is confirmed in a dialog, then POSTed to the server, which runs the same
// function as the CLI command. The answer (or the error) is shown in a toast.

const $ = (id) => document.getElementById(id);

let toastTimer;
export function toast(text, tone = 'ok') {
  const t = $('toast');
  t.textContent = text;
  t.dataset.tone = tone;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), tone === 'bad' ? 9000 : 4500);
}

/**
 * Ask before acting. With `input`, the dialog has a text field and resolves with its text.
 * @returns {Promise<false | {text: string}>}
 */
export function confirmDialog({ title, text, okLabel = 'Confirm', danger = false, input }) {
  const d = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  const ok = $('confirm-ok');
  ok.textContent = okLabel;
  ok.className = `btn ${danger ? 'btn-danger' : 'btn-primary'}`;
  const field = $('confirm-field');
  const area = $('confirm-input');
  field.hidden = !input;
  area.value = input?.value ?? '';
  area.required = Boolean(input?.required);
  if (input) $('confirm-field-label').textContent = input.label;
  return new Promise((resolve) => {
    const done = (v) => {
      d.removeEventListener('close', onClose);
      $('confirm-cancel').removeEventListener('click', onCancel);
      resolve(v);
    };
    const onClose = () => done(d.returnValue === 'ok' ? { text: area.value } : false);
    const onCancel = () => d.close('cancel');
    d.returnValue = '';
    d.addEventListener('close', onClose);
    $('confirm-cancel').addEventListener('click', onCancel);
    d.showModal();
    (input ? area : ok).focus();
  });
}

/** POST one action; resolves with the server's answer, shows it, never throws. */
export async function runAction(name, params) {
  let res;
  let body;
  try {
    res = await fetch(`/api/actions/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params ?? {}),
      credentials: 'same-origin',
    });
    body = await res.json().catch(() => ({}));
  } catch (e) {
    toast(`${name}: the dashboard did not answer (${e.message})`, 'bad');
    return undefined;
  }
  if (!res.ok || body.error) {
    const err = body.error ?? {};
    toast(`${name}: ${err.message ?? `HTTP ${res.status}`}${err.hint ? ` (${err.hint})` : ''}`, 'bad');
    return body;
  }
  toast(body.message ?? `${name}: done`, body.ok === false ? 'bad' : 'ok');
  return body;
}

/** The confirmation text and parameters for each action the page offers. */
export const ACTION_PROMPTS = {
  nudge: (agent) => ({
    dialog: { title: `Nudge ${agent}`, text: 'Types this into the agent\u2019s prompt and presses Enter (refused while it shows a blocking screen).', okLabel: 'Nudge', input: { label: 'Message', required: true } },
    params: (text) => ({ agent, text }),
  }),
  'clear-backoff': (agent) => ({
    dialog: { title: `Clear backoff of ${agent}?`, text: 'The daemon forgets its restart backoff and crash loop and may start it again at once.', okLabel: 'Clear backoff' },
    params: () => ({ agent }),
  }),
  park: (rig) => ({
    dialog: { title: `Park rig ${rig}?`, text: 'The daemon starts none of its agents until it is unparked. Running sessions are not stopped.', okLabel: 'Park' },
    params: () => ({ rig }),
  }),
  unpark: (rig) => ({
    dialog: { title: `Unpark rig ${rig}?`, text: 'The rig becomes active again and the daemon starts its agents.', okLabel: 'Unpark' },
    params: () => ({ rig }),
  }),
  estop: () => ({
    dialog: { title: 'Emergency stop?', text: 'The daemon will start, kill and nudge nothing until you thaw. Running sessions are left as they are.', okLabel: 'Stop everything', danger: true, input: { label: 'Reason (optional)' } },
    params: (text) => (text.trim() ? { reason: text.trim() } : {}),
  }),
  thaw: () => ({
    dialog: { title: 'Thaw?', text: 'Removes the emergency stop; the daemon reconciles the agents at once.', okLabel: 'Thaw' },
    params: () => ({}),
  }),
};

/** Confirm, then run. */
export async function confirmAndRun(name, subject) {
  const prompt = ACTION_PROMPTS[name]?.(subject);
  if (!prompt) return;
  const answer = await confirmDialog(prompt.dialog);
  if (!answer) return;
  if (prompt.dialog.input?.required && !answer.text.trim()) {
    toast(`${name}: nothing to send`, 'bad');
    return;
  }
  await runAction(name, prompt.params(answer.text));
}
