// A Slack-like select menu: static, external (options asked of Gantry
// as the person types, a block_suggestion), users, conversations and
// channels, single or multiple, with type-ahead and the keyboard.
import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api.js';
import { useStore } from '../state.jsx';
import { optionsOf, plain } from '../util.js';

function sourceOf(type) {
  if (type.includes('external')) return 'external';
  if (type.includes('users')) return 'users';
  if (type.includes('conversations') || type.includes('channels')) return 'channels';
  return 'static';
}

// staticGroups returns [{label, options}] for a static select.
function staticGroups(el) {
  if (el.option_groups) return el.option_groups.map((g) => ({ label: plain(g.label), options: g.options || [] }));
  return [{ label: '', options: el.options || [] }];
}

function initialLabels(el) {
  const labels = {};
  for (const o of optionsOf(el)) labels[o.value] = plain(o.text);
  if (el.initial_option) labels[el.initial_option.value] = plain(el.initial_option.text);
  for (const o of el.initial_options || []) labels[o.value] = plain(o.text);
  return labels;
}

export function Select({ el, value, onChange, target, disabled }) {
  const { s, run } = useStore();
  const multi = el.type.startsWith('multi_');
  const source = sourceOf(el.type);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [remote, setRemote] = useState({ groups: [], loading: false, asked: '' });
  const [labels, setLabels] = useState(() => initialLabels(el));
  const root = useRef(null);
  const input = useRef(null);
  const minQuery = el.min_query_length != null ? el.min_query_length : 3;

  useEffect(() => setLabels((l) => ({ ...initialLabels(el), ...l })), [el]);

  // Close when clicking elsewhere.
  useEffect(() => {
    if (!open) return undefined;
    const onDoc = (e) => {
      if (root.current && !root.current.contains(e.target)) setOpen(false);
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [open]);

  // External options: ask Gantry (block_suggestion), debounced.
  useEffect(() => {
    if (!open || source !== 'external') return undefined;
    if (query.length < minQuery) {
      setRemote({ groups: [], loading: false, asked: '' });
      return undefined;
    }
    setRemote((r) => ({ ...r, loading: true }));
    const t = setTimeout(async () => {
      const res = await run((as) => api.suggest(as, target, el.action_id, query));
      if (!res) {
        setRemote({ groups: [], loading: false, asked: query });
        return;
      }
      const groups = res.option_groups && res.option_groups.length
        ? res.option_groups.map((g) => ({ label: plain(g.label), options: g.options || [] }))
        : [{ label: '', options: res.options || [] }];
      setRemote({ groups, loading: false, asked: query });
    }, 200);
    return () => clearTimeout(t);
  }, [open, query, source, minQuery, el.action_id, target, run]);

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const match = (text) => !q || text.toLowerCase().includes(q);
    switch (source) {
      case 'external':
        return remote.groups;
      case 'users': {
        const people = (s.ws ? s.ws.people : []).map((p) => ({
          value: p.id, text: { type: 'plain_text', text: p.real_name }, description: { type: 'plain_text', text: '@' + p.name },
        }));
        return [{ label: '', options: people.filter((o) => match(plain(o.text)) || match(plain(o.description))) }];
      }
      case 'channels': {
        const chans = (s.ws ? s.ws.channels : []).map((c) => ({ value: c.id, text: { type: 'plain_text', text: '#' + c.name } }));
        return [{ label: '', options: chans.filter((o) => match(plain(o.text))) }];
      }
      default:
        return staticGroups(el)
          .map((g) => ({ ...g, options: g.options.filter((o) => match(plain(o.text))) }))
          .filter((g) => g.options.length);
    }
  }, [source, remote, s.ws, el, query]);

  const flat = groups.flatMap((g) => g.options);
  const selected = multi ? value || [] : value ? [value] : [];

  const labelOf = (v) => {
    if (labels[v]) return labels[v];
    if (source === 'users') {
      const p = s.ws && s.ws.people.find((x) => x.id === v);
      return p ? p.real_name : v;
    }
    if (source === 'channels') {
      const c = s.ws && s.ws.channels.find((x) => x.id === v);
      return c ? '#' + c.name : v;
    }
    return v;
  };

  const choose = (o) => {
    setLabels((l) => ({ ...l, [o.value]: plain(o.text) }));
    if (multi) {
      const next = selected.includes(o.value) ? selected.filter((v) => v !== o.value) : selected.concat([o.value]);
      if (el.max_selected_items && next.length > el.max_selected_items) return;
      onChange(next);
      setQuery('');
      input.current && input.current.focus();
    } else {
      onChange(o.value);
      setOpen(false);
      setQuery('');
    }
  };

  const onKey = (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, flat.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (flat[active]) choose(flat[active]);
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  };

  const placeholder = plain(el.placeholder) || (source === 'users' ? 'Select a person' : source === 'channels' ? 'Select a channel' : 'Select an item');
  let empty = 'No matches';
  if (source === 'external') {
    if (query.length < minQuery) empty = `Type at least ${minQuery} character${minQuery === 1 ? '' : 's'} to search`;
    else if (remote.loading || remote.asked !== query) empty = 'Searching…';
  }
  let idx = -1;
  return (
    <div className={'select' + (open ? ' open' : '') + (disabled ? ' disabled' : '')} ref={root} data-action-id={el.action_id} data-type={el.type}>
      <button
        type="button"
        className="select-trigger"
        disabled={disabled}
        onClick={() => {
          setOpen((o) => !o);
          setActive(0);
          setTimeout(() => input.current && input.current.focus(), 0);
        }}
      >
        {selected.length === 0 && <span className="placeholder">{placeholder}</span>}
        {!multi && selected.length > 0 && <span className="value">{labelOf(selected[0])}</span>}
        {multi &&
          selected.map((v) => (
            <span className="chip" key={v}>
              {labelOf(v)}
              <span
                className="chip-x"
                role="button"
                aria-label={'Remove ' + labelOf(v)}
                onClick={(e) => {
                  e.stopPropagation();
                  onChange(selected.filter((x) => x !== v));
                }}
              >
                ×
              </span>
            </span>
          ))}
        <span className="caret">▾</span>
      </button>
      {open && (
        <div className="select-menu" role="listbox">
          <input
            ref={input}
            className="select-search"
            value={query}
            placeholder={source === 'external' ? 'Type to search…' : 'Filter…'}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(0);
            }}
            onKeyDown={onKey}
          />
          <div className="select-options">
            {flat.length === 0 && <div className="select-empty">{empty}</div>}
            {groups.map((g, gi) => (
              <div key={gi}>
                {g.label && <div className="select-group">{g.label}</div>}
                {g.options.map((o) => {
                  idx += 1;
                  const i = idx;
                  return (
                    <div
                      key={o.value}
                      role="option"
                      data-value={o.value}
                      aria-selected={selected.includes(o.value)}
                      className={'select-option' + (i === active ? ' active' : '') + (selected.includes(o.value) ? ' chosen' : '')}
                      onMouseEnter={() => setActive(i)}
                      onMouseDown={(e) => {
                        e.preventDefault();
                        choose(o);
                      }}
                    >
                      <span>{plain(o.text)}</span>
                      {o.description && <span className="option-desc">{plain(o.description)}</span>}
                      {selected.includes(o.value) && <span className="tick">✓</span>}
                    </div>
                  );
                })}
              </div>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
