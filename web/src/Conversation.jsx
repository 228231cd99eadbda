// A conversation: its messages (thread replies folded under their parent)
// and the composer; the thread pane beside it when one is open.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Composer } from './Composer.jsx';
import { MessageItem } from './MessageItem.jsx';
import { useStore } from './state.jsx';

function useDismissed() {
  const [hidden, setHidden] = useState(() => new Set());
  return [hidden, (ts) => setHidden((h) => new Set(h).add(ts))];
}

function isReply(m) {
  return m.thread_ts && m.thread_ts !== m.ts;
}

// MessageList shows messages, keeping the newest in view as they arrive
// (unless the person scrolled up to read).
function MessageList({ messages, inThread, empty, hidden, dismiss }) {
  const ref = useRef(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  });
  const visible = messages.filter((m) => !hidden.has(m.ts));
  return (
    <div
      className="message-list"
      ref={ref}
      data-testid={inThread ? 'thread-messages' : 'messages'}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
    >
      {visible.length === 0 && <div className="empty">{empty}</div>}
      {visible.map((m) => (
        <MessageItem key={m.ts} m={m} inThread={inThread} onDismiss={m.ephemeral ? dismiss : undefined} />
      ))}
    </div>
  );
}

export function Conversation({ channel, title, subtitle, emptyText, header }) {
  const { s, dispatch } = useStore();
  const all = s.messages[channel];
  const [hidden, dismiss] = useDismissed();
  const [waiting, setWaiting] = useState(null); // a mention of the bot whose answer we wait for

  // When Gantry answers a mention in a thread, open the thread.
  useEffect(() => {
    if (!all || !waiting) return;
    if (all.some((m) => m.thread_ts === waiting && m.ts !== waiting)) {
      dispatch({ type: 'thread', thread: { channel, ts: waiting } });
      setWaiting(null);
    }
  }, [all, waiting, channel, dispatch]);

  // Slack tells the parent's reply count with the replies; counting the
  // replies here keeps it current as they arrive.
  const replies = {};
  for (const m of all || []) {
    if (isReply(m)) replies[m.thread_ts] = (replies[m.thread_ts] || 0) + 1;
  }
  const top = (all || []).filter((m) => !isReply(m)).map((m) => {
    const n = Math.max(m.reply_count || 0, replies[m.ts] || 0);
    return n === (m.reply_count || 0) ? m : { ...m, reply_count: n };
  });
  const thread = s.thread && s.thread.channel === channel ? s.thread : null;
  const threadMsgs = thread ? (all || []).filter((m) => m.ts === thread.ts || m.thread_ts === thread.ts) : [];

  return (
    <div className="conversation-wrap">
      <div className="conversation">
        {header || (
          <div className="conv-header">
            <h2 data-testid="conversation-title">{title}</h2>
            {subtitle && <div className="conv-sub">{subtitle}</div>}
          </div>
        )}
        {all ? (
          <MessageList messages={top} empty={emptyText} hidden={hidden} dismiss={dismiss} />
        ) : (
          <div className="message-list">
            <div className="empty">Loading…</div>
          </div>
        )}
        <Composer
          channel={channel}
          label={title}
          onSentMention={(m) => setWaiting(m.ts)}
        />
      </div>
      {thread && (
        <aside className="thread" data-testid="thread">
          <div className="conv-header">
            <h2>Thread</h2>
            <div className="conv-sub">{title}</div>
            <button type="button" className="close-x" aria-label="Close the thread" onClick={() => dispatch({ type: 'thread', thread: null })}>
              ×
            </button>
          </div>
          <MessageList messages={threadMsgs} inThread empty="This thread is empty." hidden={hidden} dismiss={dismiss} />
          <div className="thread-note">Gantry answers mentions in threads. In the sandbox, replies are read here; write in the channel.</div>
        </aside>
      )}
    </div>
  );
}
