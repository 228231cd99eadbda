// Display blocks and mrkdwn are drawn by slack-blocks-to-jsx (header,
// section text and fields, context, divider, rich text; mrkdwn with bold,
// italic, strike, code, links, user and channel mentions, dates and emoji
// shortcodes). It draws but does not act, so interactive elements are ours
// (elements.jsx) and only display blocks are handed to it.
import { memo, useMemo } from 'react';
import { Message } from 'slack-blocks-to-jsx';
import { useStore } from '../state.jsx';
import { fixMrkdwn, sandboxHref } from '../util.js';

function useDirectory() {
  const { s } = useStore();
  const ws = s.ws;
  return useMemo(() => {
    if (!ws) return { users: [], channels: [] };
    const users = ws.people.map((p) => ({ id: p.id, name: p.real_name || p.name }));
    users.push({ id: ws.bot.id, name: 'Gantry' });
    return { users, channels: ws.channels.map((c) => ({ id: c.id, name: c.name })) };
  }, [ws]);
}

// useHooks draws links: those to the simulated GitHub lead to the
// playground's page of the repository rather than to github.com.
function useHooks() {
  const { s } = useStore();
  const web = s.ws?.sandbox?.github_web_url || '';
  return useMemo(
    () => ({
      link: ({ href, children, className }) => (
        <a href={sandboxHref(href, web)} className={className} target="_blank" rel="noreferrer noopener">
          {children}
        </a>
      ),
    }),
    [web],
  );
}

// LibBlocks draws display blocks (mrkdwn mended first: see fixMrkdwn).
export const LibBlocks = memo(function LibBlocks({ blocks }) {
  const data = useDirectory();
  const hooks = useHooks();
  const mended = useMemo(() => fixMrkdwn(blocks), [blocks]);
  if (!mended || mended.length === 0) return null;
  return <Message blocks={mended} logo="" name="" withoutWrapper theme="light" data={data} hooks={hooks} />;
});

// Mrkdwn draws one piece of Slack mrkdwn text.
export function Mrkdwn({ text, plain }) {
  const blocks = useMemo(
    () => (text ? [{ type: 'section', text: { type: plain ? 'plain_text' : 'mrkdwn', text } }] : []),
    [text, plain],
  );
  if (!text) return null;
  return (
    <div className="mrkdwn">
      <LibBlocks blocks={blocks} />
    </div>
  );
}
