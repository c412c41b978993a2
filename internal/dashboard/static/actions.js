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
 * Ask before acting. With `input`, the dialog has a text field and resolves with its text; with
 * `input.choices`, it offers those as choices instead (one must be picked) and resolves with it.
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
  const choices = input?.choices?.length ? input.choices : null;
  field.hidden = !input || Boolean(choices);
  area.value = input?.value ?? '';
  area.required = Boolean(input?.required) && !choices;
  if (input) $('confirm-field-label').textContent = input.label;
  const set = $('confirm-choices');
  set.hidden = !choices;
  $('confirm-choices-label').textContent = input?.label ?? '';
  $('confirm-choices-list').replaceChildren(
    ...(choices ?? []).map((c) => {
      const radio = document.createElement('input');
      Object.assign(radio, { type: 'radio', name: 'confirm-choice', value: c, required: true });
      const label = document.createElement('label');
      label.className = 'choice';
      label.append(radio, document.createTextNode(c));
      return label;
    }),
  );
  const picked = () => set.querySelector('input[name="confirm-choice"]:checked')?.value ?? '';
  return new Promise((resolve) => {
    const done = (v) => {
      d.removeEventListener('close', onClose);
      $('confirm-cancel').removeEventListener('click', onCancel);
      resolve(v);
    };
    const onClose = () => done(d.returnValue === 'ok' ? { text: choices ? picked() : area.value } : false);
    const onCancel = () => d.close('cancel');
    d.returnValue = '';
    d.addEventListener('close', onClose);
    $('confirm-cancel').addEventListener('click', onCancel);
    d.showModal();
    (choices ? set.querySelector('input') : input ? area : ok).focus();
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
    const message = err.message ?? `HTTP ${res.status}`;
    // Input errors already start with the action's name.
    toast(`${message.startsWith(`${name}: `) ? '' : `${name}: `}${message}${err.hint ? ` (${err.hint})` : ''}`, 'bad');
    return body;
  }
  toast(body.message ?? `${name}: done`, body.ok === false ? 'bad' : 'ok');
  return body;
}

/**
 * The confirmation text and parameters for each action the page offers, from the button's subject
 * and the snapshot the page shows. Undefined: the subject is no longer on the page.
 */
export const ACTION_PROMPTS = {
  answer: (id, snapshot) => {
    const q = snapshot?.attention?.find((it) => it.kind === 'question' && it.id === id);
    if (!q) return undefined;
    const options = q.options?.length ? q.options : null;
    return {
      dialog: {
        title: `Answer ${q.agent ?? q.from}`,
        text: q.text,
        okLabel: 'Send answer',
        input: options ? { label: 'Pick one answer', choices: options, required: true } : { label: 'Your answer', required: true },
      },
      params: (text) => ({ id, text }),
    };
  },
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
export async function confirmAndRun(name, subject, snapshot) {
  if (!ACTION_PROMPTS[name]) return;
  const prompt = ACTION_PROMPTS[name](subject, snapshot);
  if (!prompt) {
    toast(`${name}: ${subject} is no longer open`, 'bad');
    return;
  }
  const answer = await confirmDialog(prompt.dialog);
  if (!answer) return;
  if (prompt.dialog.input?.required && !answer.text.trim()) {
    toast(`${name}: nothing to send`, 'bad');
    return;
  }
  await runAction(name, prompt.params(answer.text));
}
