// Pure helpers, kept apart from the components so that node --test can
// check them (web/test).

// tsBefore orders Slack timestamps ("seconds.micros").
export function tsBefore(a, b) {
  const [as, af = ''] = a.split('.');
  const [bs, bf = ''] = b.split('.');
  if (as.length !== bs.length) return as.length < bs.length;
  if (as !== bs) return as < bs;
  return af < bf;
}

// upsert puts m into a ts-ordered list of messages: a newer revision
// replaces an older one, a deleted message leaves, and an older revision
// (a late answer to a fetch) never overwrites a newer one.
export function upsert(list, m) {
  const i = list.findIndex((x) => x.ts === m.ts);
  if (m.deleted) return i < 0 ? list : list.filter((x) => x.ts !== m.ts);
  if (i >= 0) {
    if ((list[i].rev || 0) > (m.rev || 0)) return list;
    const next = list.slice();
    next[i] = m;
    return next;
  }
  const next = list.concat([m]);
  next.sort((x, y) => (tsBefore(x.ts, y.ts) ? -1 : tsBefore(y.ts, x.ts) ? 1 : 0));
  return next;
}

// merge applies a freshly fetched list to what events already brought.
export function merge(current, fetched) {
  let out = fetched.slice();
  for (const m of current || []) {
    const f = out.find((x) => x.ts === m.ts);
    if (f && (f.rev || 0) < (m.rev || 0)) out = upsert(out, m);
  }
  return out;
}

// parseCommand splits "/whoowns checkout" into its command and text; null
// when the text is not a slash command.
export function parseCommand(text) {
  const m = /^\s*(\/[^\s]+)(?:\s+([\s\S]*))?$/.exec(text);
  if (!m) return null;
  return { command: m[1].toLowerCase(), text: (m[2] || '').trim() };
}

// completions are the slash commands matching what is typed (only while
// the command word itself is being typed).
export function completions(commands, text) {
  if (!/^\/[^\s]*$/.test(text)) return [];
  const word = text.toLowerCase();
  return commands.filter((c) => c.command.startsWith(word));
}

// hintFor returns the command being typed, once its name is complete and
// the person is typing its arguments, for the usage hint.
export function hintFor(commands, text) {
  const p = /^\/([^\s]+)\s/.exec(text);
  if (!p) return null;
  return commands.find((c) => c.command === '/' + p[1].toLowerCase()) || null;
}

// mentionQuery returns the "@par" being typed at the caret, or null.
export function mentionQuery(text, caret) {
  const before = text.slice(0, caret);
  const m = /(^|\s)@([\w.-]*)$/.exec(before);
  return m ? { query: m[2].toLowerCase(), start: caret - m[2].length - 1 } : null;
}

// encodeMentions turns "@handle" of known people (and the app) into
// Slack's <@U123> form, as Slack's client does when a mention is picked.
export function encodeMentions(text, people) {
  const byName = new Map(people.map((p) => [p.name.toLowerCase(), p.id]));
  return text.replace(/(^|[\s(])@([\w-]+(?:\.[\w-]+)*)/g, (all, pre, name) => {
    const id = byName.get(name.toLowerCase());
    return id ? `${pre}<@${id}>` : all;
  });
}

// initials for an avatar.
export function initials(name) {
  const parts = (name || '?').split(/[\s.]+/).filter(Boolean);
  return ((parts[0] || '?')[0] + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}

// hue gives everyone a stable avatar colour.
export function hue(id) {
  let h = 2166136261;
  for (const c of id || '') h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h % 360;
}

// time formats a Slack ts as a local time of day.
export function time(ts) {
  const d = new Date(parseFloat(ts) * 1000);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

// plain returns the text of a plain_text or mrkdwn object.
export function plain(t) {
  if (!t) return '';
  return typeof t === 'string' ? t : t.text || '';
}

// initialValue is an input element's starting value in the shape the API
// takes: a string, or a list for multi-selects and checkboxes.
export function initialValue(el) {
  switch (el.type) {
    case 'checkboxes':
    case 'multi_static_select':
    case 'multi_external_select':
      return (el.initial_options || []).map((o) => o.value);
    case 'multi_users_select':
      return el.initial_users || [];
    case 'multi_conversations_select':
      return el.initial_conversations || [];
    case 'multi_channels_select':
      return el.initial_channels || [];
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return el.initial_option ? el.initial_option.value : '';
    case 'users_select':
      return el.initial_user || '';
    case 'conversations_select':
      return el.initial_conversation || '';
    case 'channels_select':
      return el.initial_channel || '';
    case 'datepicker':
      return el.initial_date || '';
    case 'timepicker':
      return el.initial_time || '';
    default:
      return el.initial_value != null ? String(el.initial_value) : '';
  }
}

export function isEmpty(v) {
  return v == null || v === '' || (Array.isArray(v) && v.length === 0);
}

// initialState is a modal's input values: block_id → action_id → value.
export function initialState(blocks) {
  const st = {};
  for (const b of blocks || []) {
    if (b.type === 'input' && b.element && b.element.action_id) {
      st[b.block_id] = { [b.element.action_id]: initialValue(b.element) };
    }
  }
  return st;
}

// keepState carries typed values over to an updated modal, for the inputs
// that are still there (same block_id and action_id), as Slack does.
export function keepState(prev, blocks) {
  const next = initialState(blocks);
  for (const [block, acts] of Object.entries(next)) {
    for (const action of Object.keys(acts)) {
      if (prev && prev[block] && action in prev[block]) next[block][action] = prev[block][action];
    }
  }
  return next;
}

// missingRequired returns an error per required input left empty, with
// Slack's own wording.
export function missingRequired(blocks, state) {
  const errs = {};
  for (const b of blocks || []) {
    if (b.type !== 'input' || b.optional || !b.element) continue;
    const v = state[b.block_id] && state[b.block_id][b.element.action_id];
    if (isEmpty(v)) errs[b.block_id] = 'Please complete this required field.';
  }
  return errs;
}

// options lists a select's options, flattening option groups.
export function optionsOf(el) {
  if (el.option_groups) return el.option_groups.flatMap((g) => g.options || []);
  return el.options || [];
}

// fixMrkdwn works around slack-blocks-to-jsx turning every "&gt;" into
// "> " (a space added, for block quotes): a closing "*" or "_" after an
// escaped ">" (as in "*/whoowns &lt;name&gt;*", in /gantry help) then no
// longer closes, and the page showed "**" around plain text. Only a
// "&gt;" that starts a line is a quote; the others become ">" here, which
// the library leaves alone. It returns blocks (or a text object) with
// every mrkdwn text so mended, sharing what did not change.
export function fixMrkdwn(v) {
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x) => {
      const y = fixMrkdwn(x);
      changed = changed || y !== x;
      return y;
    });
    return changed ? out : v;
  }
  if (!v || typeof v !== 'object') return v;
  let out = v;
  for (const [k, x] of Object.entries(v)) {
    let y = x;
    if (k === 'text' && typeof x === 'string' && v.type === 'mrkdwn') {
      y = x.replace(/(?<!^)&gt;/gm, '>');
    } else if (x && typeof x === 'object') {
      y = fixMrkdwn(x);
    }
    if (y !== x) {
      if (out === v) out = { ...v };
      out[k] = y;
    }
  }
  return out;
}

// sandboxHref sends a link to the simulated GitHub (web, the sandbox's
// github_web_url, e.g. https://github.com) to the playground's page of
// that repository, /github/OWNER/REPO/...; other links are unchanged.
export function sandboxHref(href, web) {
  if (!href || !web) return href;
  const base = web.replace(/\/+$/, '') + '/';
  if (!href.startsWith(base)) return href;
  return '/github/' + href.slice(base.length);
}
