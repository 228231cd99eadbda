// The composer: messages, slash commands with autocomplete and the usage
// hints of manifest.yaml, and @mentions.
import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from './api.js';
import { useStore } from './state.jsx';
import { completions, encodeMentions, hintFor, mentionQuery, parseCommand } from './util.js';

export function Composer({ channel, label, onSentMention }) {
  const { s, run, toast } = useStore();
  const ws = s.ws;
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [busy, setBusy] = useState(false);
  const [dismissed, setDismissed] = useState(false);
  const box = useRef(null);

  // Text put here from outside ("Try it").
  useEffect(() => {
    if (s.composer.nonce === 0) return;
    setText(s.composer.text);
    setCaret(s.composer.text.length);
    setDismissed(false);
    setTimeout(() => {
      if (!box.current) return;
      box.current.focus();
      box.current.setSelectionRange(s.composer.text.length, s.composer.text.length);
    }, 0);
  }, [s.composer]);

  const commands = ws ? ws.commands : [];
  const mentionables = useMemo(() => {
    if (!ws) return [];
    return [{ id: ws.bot.id, name: ws.bot.name, real_name: 'Gantry', app: true }].concat(ws.people);
  }, [ws]);

  const cmdList = dismissed ? [] : completions(commands, text);
  const mq = dismissed ? null : mentionQuery(text, caret);
  const mentionList = mq
    ? mentionables.filter((p) => p.name.toLowerCase().startsWith(mq.query) || p.real_name.toLowerCase().includes(mq.query)).slice(0, 8)
    : [];
  const hint = hintFor(commands, text);
  const menu = cmdList.length ? 'commands' : mentionList.length ? 'mentions' : '';
  const items = menu === 'commands' ? cmdList : mentionList;

  const pick = (i) => {
    if (menu === 'commands') {
      const t = cmdList[i].command + ' ';
      setText(t);
      setCaret(t.length);
    } else if (menu === 'mentions') {
      const p = mentionList[i];
      const t = text.slice(0, mq.start) + '@' + p.name + ' ' + text.slice(caret);
      setText(t);
      setCaret(mq.start + p.name.length + 2);
      setTimeout(() => box.current && box.current.setSelectionRange(mq.start + p.name.length + 2, mq.start + p.name.length + 2), 0);
    }
    setActive(0);
    box.current && box.current.focus();
  };

  const send = async () => {
    const t = text.trim();
    if (!t || busy || !channel) return;
    const cmd = parseCommand(t);
    setBusy(true);
    if (cmd) {
      if (!commands.some((c) => c.command === cmd.command)) {
        toast(`${cmd.command} is not a command of this app. Try ${commands.map((c) => c.command).join(', ')}.`);
        setBusy(false);
        return;
      }
      const res = await run((as) => api.command(as, channel, cmd.command, cmd.text));
      if (res) setText('');
    } else {
      const encoded = encodeMentions(t, mentionables);
      const res = await run((as) => api.message(as, channel, encoded));
      if (res) {
        setText('');
        if (res.warning) toast(res.warning, 'warn');
        if (ws && encoded.includes(`<@${ws.bot.id}>`) && onSentMention && res.message) onSentMention(res.message);
      }
    }
    setBusy(false);
  };

  const onKey = (e) => {
    if (menu) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        setActive((a) => (a + 1) % items.length);
        return;
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((a) => (a - 1 + items.length) % items.length);
        return;
      }
      if (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey && !(menu === 'commands' && cmdList[active] && cmdList[active].command === text.trim()))) {
        e.preventDefault();
        pick(Math.min(active, items.length - 1));
        return;
      }
      if (e.key === 'Escape') {
        setDismissed(true);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  };

  return (
    <div className="composer-wrap">
      {menu && (
        <div className="autocomplete" role="listbox" data-testid="autocomplete">
          <div className="autocomplete-title">{menu === 'commands' ? 'Commands of Gantry (from manifest.yaml)' : 'People and apps'}</div>
          {items.map((it, i) => (
            <div
              key={menu === 'commands' ? it.command : it.id}
              role="option"
              aria-selected={i === active}
              className={'autocomplete-item' + (i === active ? ' active' : '')}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(i);
              }}
            >
              {menu === 'commands' ? (
                <>
                  <span className="cmd">{it.command}</span> <span className="cmd-hint">{it.usage_hint}</span>
                  <div className="cmd-desc">{it.description}</div>
                </>
              ) : (
                <>
                  <span className="cmd">{it.real_name}</span> <span className="cmd-hint">@{it.name}</span>
                  {it.app && <span className="app-badge">APP</span>}
                </>
              )}
            </div>
          ))}
        </div>
      )}
      <div className={'composer' + (busy ? ' busy' : '')}>
        <textarea
          ref={box}
          rows={1}
          data-testid="composer"
          value={text}
          placeholder={`Message ${label} — type / for Gantry's commands, @ to mention`}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart);
            setDismissed(false);
            setActive(0);
          }}
          onSelect={(e) => setCaret(e.target.selectionStart)}
          onKeyDown={onKey}
        />
        <button type="button" className="send" onClick={send} disabled={!text.trim() || busy} aria-label="Send" data-testid="send">
          ➤
        </button>
      </div>
      <div className="composer-hint" data-testid="usage-hint">
        {hint ? (
          <>
            <span className="cmd">{hint.command}</span> <span className="cmd-hint">{hint.usage_hint}</span> — {hint.description}
          </>
        ) : (
          <span className="muted">
            <b>Enter</b> to send · <b>Shift+Enter</b> for a new line · <b>/</b> for commands · <b>@gantry</b> to ask in a thread
          </span>
        )}
      </div>
    </div>
  );
}
