// The playground's HTTP API (internal/playground/api.go). Every action
// names the person acting ("as"); the server does it through the Slack
// sandbox, so Gantry receives exactly what Slack would send.

export class APIError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body || {};
  }
}

async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new APIError('The playground server does not answer. Is `gantry serve` still running?', 0);
  }
  let data = {};
  try {
    data = await res.json();
  } catch {
    // an empty or non-JSON body: the status says enough
  }
  if (!res.ok && res.status !== 422) {
    throw new APIError(data.error || `${method} ${path}: HTTP ${res.status}`, res.status, data);
  }
  return { status: res.status, ...data };
}

const q = (params) => new URLSearchParams(params).toString();

export const api = {
  workspace: (as) => call('GET', `/api/workspace?${q({ as })}`),
  messages: (as, channel) => call('GET', `/api/messages?${q({ as, channel })}`),
  views: (as) => call('GET', `/api/views?${q({ as })}`),
  command: (as, channel, command, text) => call('POST', '/api/command', { as, channel, command, text }),
  message: (as, channel, text) => call('POST', '/api/message', { as, channel, text }),
  click: (as, target, action_id, value, state) => call('POST', '/api/click', { as, ...target, action_id, value, state }),
  select: (as, target, action_id, values, state) => call('POST', '/api/select', { as, ...target, action_id, values, state }),
  suggest: (as, target, action_id, value) => call('POST', '/api/suggest', { as, ...target, action_id, value }),
  submit: (as, view_id, state) => call('POST', '/api/submit', { as, view_id, state }),
  close: (as, view_id) => call('POST', '/api/close', { as, view_id }),
  home: (as) => call('POST', '/api/home', { as }),
  digest: (as) => call('POST', '/api/digest', { as }),
};

// events follows the server-sent events of one person; onEvent gets each
// parsed update. It returns a function that stops listening.
export function events(as, onEvent, onState) {
  const src = new EventSource(`/api/events?${q({ as })}`);
  src.onmessage = (e) => {
    try {
      onEvent(JSON.parse(e.data));
    } catch (err) {
      console.error('playground event', err);
    }
  };
  src.onerror = () => onState && onState(src.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  src.onopen = () => onState && onState('open');
  return () => src.close();
}
