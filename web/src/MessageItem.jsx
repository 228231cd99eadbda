// One message: who, when, its blocks (or text), and what Slack adds
// around it: "only visible to you", replies, edits.
import { memo, useEffect, useRef, useState } from 'react';
import { Blocks } from './blocks/Blocks.jsx';
import { Mrkdwn } from './blocks/Rich.jsx';
import { useStore } from './state.jsx';
import { hue, initials, time } from './util.js';

export function Avatar({ id, name, bot }) {
  return (
    <div className={'avatar' + (bot ? ' bot' : '')} style={bot ? undefined : { background: `hsl(${hue(id)} 45% 42%)` }} aria-hidden="true">
      {bot ? 'G' : initials(name)}
    </div>
  );
}

export const MessageItem = memo(function MessageItem({ m, inThread, onDismiss }) {
  const { s, dispatch } = useStore();
  const ws = s.ws;
  const bot = m.bot_id || (ws && m.user === ws.bot.id);
  const person = ws && ws.people.find((p) => p.id === m.user);
  const name = bot ? 'Gantry' : person ? person.real_name : m.user;
  // A message updated in place flashes, so the change is seen.
  const [flash, setFlash] = useState(false);
  const rev = useRef(m.rev);
  useEffect(() => {
    if (m.rev !== rev.current) {
      rev.current = m.rev;
      setFlash(true);
      const t = setTimeout(() => setFlash(false), 1400);
      return () => clearTimeout(t);
    }
    return undefined;
  }, [m.rev]);
  const hasBlocks = Array.isArray(m.blocks) && m.blocks.length > 0;
  return (
    <div
      className={'message' + (m.ephemeral ? ' ephemeral' : '') + (flash ? ' flash' : '')}
      data-ts={m.ts}
      data-rev={m.rev}
      data-testid="message"
      data-ephemeral={m.ephemeral ? 'true' : undefined}
    >
      <Avatar id={m.user} name={name} bot={bot} />
      <div className="message-body">
        <div className="message-head">
          <span className="author">{name}</span>
          {bot && <span className="app-badge">APP</span>}
          <span className="when" title={new Date(parseFloat(m.ts) * 1000).toLocaleString()}>
            {time(m.ts)}
          </span>
          {m.rev > 0 && <span className="edited" title="Gantry updated this message in place">(updated)</span>}
        </div>
        {m.ephemeral && (
          <div className="only-you">
            Only visible to you
            {onDismiss && (
              <button type="button" className="linkish" onClick={() => onDismiss(m.ts)}>
                Dismiss
              </button>
            )}
          </div>
        )}
        {hasBlocks ? <Blocks blocks={m.blocks} ctx={{ target: { channel: m.channel, ts: m.ts } }} /> : <Mrkdwn text={m.text} />}
        {!inThread && m.reply_count > 0 && (
          <button
            type="button"
            className="replies"
            data-testid="replies"
            onClick={() => dispatch({ type: 'thread', thread: { channel: m.channel, ts: m.ts } })}
          >
            💬 {m.reply_count} {m.reply_count === 1 ? 'reply' : 'replies'}
          </button>
        )}
      </div>
    </div>
  );
});
