// Interactive Block Kit elements. Each one either reports a new value to
// its input block (in a modal: sent with the submission) or acts at once
// (in an actions block or as an accessory: a block_actions to Gantry).
import { useEffect, useRef, useState } from 'react';
import { api } from '../api.js';
import { useStore } from '../state.jsx';
import { plain, sandboxHref } from '../util.js';
import { Mrkdwn } from './Rich.jsx';
import { Select } from './Select.jsx';

// Confirm is Slack's confirmation dialog (a confirm object).
export function Confirm({ confirm, onYes, onNo }) {
  const yes = useRef(null);
  useEffect(() => yes.current && yes.current.focus(), []);
  return (
    <div className="confirm-backdrop" role="dialog" aria-modal="true" data-testid="confirm">
      <div className="confirm">
        <h3>{plain(confirm.title) || 'Are you sure?'}</h3>
        <div className="confirm-text">
          <Mrkdwn text={plain(confirm.text)} plain={confirm.text && confirm.text.type === 'plain_text'} />
        </div>
        <div className="confirm-buttons">
          <button type="button" className="btn" onClick={onNo}>
            {plain(confirm.deny) || 'Cancel'}
          </button>
          <button
            type="button"
            ref={yes}
            className={'btn ' + (confirm.style === 'danger' ? 'danger-solid' : 'primary-solid')}
            onClick={onYes}
          >
            {plain(confirm.confirm) || 'Yes'}
          </button>
        </div>
      </div>
    </div>
  );
}

// useAction returns a function that sends one element's action, with the
// modal's state when it is in one, and whether one is on its way.
function useAction(ctx) {
  const { run } = useStore();
  const [busy, setBusy] = useState(false);
  const send = async (kind, el, payload) => {
    setBusy(true);
    const state = ctx.values && ctx.target.view_id ? ctx.values : undefined;
    await run((as) =>
      kind === 'click'
        ? api.click(as, ctx.target, el.action_id, payload, state)
        : api.select(as, ctx.target, el.action_id, payload, state),
    );
    setBusy(false);
  };
  return [send, busy];
}

function Button({ el, ctx }) {
  const [send, busy] = useAction(ctx);
  const [confirming, setConfirming] = useState(false);
  const { s } = useStore();
  const url = sandboxHref(el.url, s.ws?.sandbox?.github_web_url);
  const go = () => {
    if (url) window.open(url, '_blank', 'noopener');
    send('click', el, el.value || '');
  };
  return (
    <>
      <button
        type="button"
        className={'btn' + (el.style ? ' ' + el.style : '') + (busy ? ' busy' : '')}
        data-action-id={el.action_id}
        disabled={busy}
        title={url || el.accessibility_label || undefined}
        onClick={() => (el.confirm ? setConfirming(true) : go())}
      >
        {plain(el.text)}
        {el.url && <span className="ext">↗</span>}
      </button>
      {confirming && (
        <Confirm
          confirm={el.confirm}
          onNo={() => setConfirming(false)}
          onYes={() => {
            setConfirming(false);
            go();
          }}
        />
      )}
    </>
  );
}

function Overflow({ el, ctx }) {
  const [send, busy] = useAction(ctx);
  const [open, setOpen] = useState(false);
  const { s } = useStore();
  return (
    <div className="overflow" data-action-id={el.action_id}>
      <button type="button" className="btn icon" disabled={busy} onClick={() => setOpen((o) => !o)} aria-label="More actions">
        ⋯
      </button>
      {open && (
        <div className="overflow-menu" onMouseLeave={() => setOpen(false)}>
          {(el.options || []).map((o) => (
            <div
              key={o.value}
              role="menuitem"
              className="select-option"
              onClick={() => {
                setOpen(false);
                if (o.url) window.open(sandboxHref(o.url, s.ws?.sandbox?.github_web_url), '_blank', 'noopener');
                send('select', el, [o.value]);
              }}
            >
              {plain(o.text)}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

function Choices({ el, value, onChange, multi }) {
  const chosen = multi ? value || [] : value ? [value] : [];
  return (
    <div className={multi ? 'checkboxes' : 'radios'} data-action-id={el.action_id}>
      {(el.options || []).map((o) => (
        <label key={o.value} className="choice">
          <input
            type={multi ? 'checkbox' : 'radio'}
            value={o.value}
            checked={chosen.includes(o.value)}
            onChange={(e) => {
              if (multi) onChange(e.target.checked ? chosen.concat([o.value]) : chosen.filter((v) => v !== o.value));
              else onChange(o.value);
            }}
          />
          <span className="choice-text">
            {o.text && o.text.type === 'mrkdwn' ? <Mrkdwn text={plain(o.text)} /> : <span>{plain(o.text)}</span>}
            {o.description && <span className="option-desc">{plain(o.description)}</span>}
          </span>
        </label>
      ))}
    </div>
  );
}

function TextInput({ el, value, onChange, error }) {
  const common = {
    className: 'text-input' + (error ? ' invalid' : ''),
    value: value || '',
    placeholder: plain(el.placeholder),
    maxLength: el.max_length || undefined,
    autoFocus: !!el.focus_on_load,
    'data-action-id': el.action_id,
    onChange: (e) => onChange(e.target.value),
  };
  if (el.multiline) return <textarea rows={4} {...common} />;
  const type = { email_text_input: 'email', url_text_input: 'url', number_input: 'number' }[el.type] || 'text';
  return <input type={type} step={el.is_decimal_allowed ? 'any' : undefined} min={el.min_value} max={el.max_value} {...common} />;
}

// Element draws one element. ctx: { target, values, setValue, blockId,
// acts } where acts says whether a change is sent at once.
export function Element({ el, ctx, error }) {
  const block = ctx.blockId;
  const value = ctx.values && ctx.values[block] ? ctx.values[block][el.action_id] : undefined;
  const [send] = useAction(ctx);
  const change = (v) => {
    if (ctx.setValue) ctx.setValue(block, el.action_id, v);
    if (ctx.acts) send('select', el, Array.isArray(v) ? v : v ? [v] : []);
  };
  // Outside an input block an element keeps its own value until Gantry
  // redraws the message.
  const [local, setLocal] = useState(undefined);
  const current = ctx.setValue ? value : local;
  const onChange = ctx.setValue ? change : (v) => {
    setLocal(v);
    change(v);
  };
  switch (el.type) {
    case 'button':
      return <Button el={el} ctx={ctx} />;
    case 'overflow':
      return <Overflow el={el} ctx={ctx} />;
    case 'static_select':
    case 'external_select':
    case 'users_select':
    case 'conversations_select':
    case 'channels_select':
    case 'multi_static_select':
    case 'multi_external_select':
    case 'multi_users_select':
    case 'multi_conversations_select':
    case 'multi_channels_select': {
      const init = current !== undefined ? current : initialOf(el);
      return <Select el={el} value={init} onChange={onChange} target={ctx.target} />;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const init = current !== undefined ? current : initialOf(el);
      return <Choices el={el} value={init} onChange={onChange} multi={el.type === 'checkboxes'} />;
    }
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      return <TextInput el={el} value={current} onChange={onChange} error={error} />;
    case 'datepicker':
      return <input type="date" className="text-input" data-action-id={el.action_id} value={current !== undefined ? current : el.initial_date || ''} onChange={(e) => onChange(e.target.value)} />;
    case 'timepicker':
      return <input type="time" className="text-input" data-action-id={el.action_id} value={current !== undefined ? current : el.initial_time || ''} onChange={(e) => onChange(e.target.value)} />;
    case 'image':
      return <Img url={el.image_url} alt={el.alt_text} className="accessory-image" />;
    default:
      return <span className="unsupported">[{el.type} is not drawn by the playground]</span>;
  }
}

function initialOf(el) {
  if (el.type.startsWith('multi_') || el.type === 'checkboxes') {
    return (el.initial_options || []).map((o) => o.value).concat(el.initial_users || [], el.initial_conversations || [], el.initial_channels || []);
  }
  if (el.initial_option) return el.initial_option.value;
  return el.initial_user || el.initial_conversation || el.initial_channel || '';
}

// Img shows an image, or its alt text when it cannot be loaded (the
// sandbox has no network, and Slack's images are on the internet).
export function Img({ url, alt, className, title }) {
  const [broken, setBroken] = useState(false);
  if (broken || !url) {
    return (
      <div className={'img-missing ' + (className || '')} title={url}>
        <span>🖼</span> {alt || title || 'image'}
      </div>
    );
  }
  return <img className={className} src={url} alt={alt} title={title} onError={() => setBroken(true)} />;
}
