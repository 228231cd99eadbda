// Gantry's app page, as in Slack: the Home tab (published by Gantry for
// the person, when they open it) and the Messages tab (the DM).
import { Blocks } from './blocks/Blocks.jsx';
import { Conversation } from './Conversation.jsx';
import { Avatar } from './MessageItem.jsx';
import { useStore } from './state.jsx';

export function AppView() {
  const { s, open } = useStore();
  const tab = s.view.tab || 'home';
  const home = s.views.home;
  const header = (
    <div className="conv-header app-header">
      <Avatar bot />
      <div>
        <h2 data-testid="conversation-title">Gantry</h2>
        <div className="conv-sub">Your developer platform, in Slack</div>
      </div>
      <div className="tabs" role="tablist">
        {['home', 'messages'].map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={'tab' + (tab === t ? ' active' : '')}
            data-testid={'tab-' + t}
            onClick={() => open({ kind: 'app', tab: t })}
          >
            {t === 'home' ? 'Home' : 'Messages'}
          </button>
        ))}
      </div>
    </div>
  );
  if (tab === 'messages') {
    return (
      <Conversation
        channel={s.ws && s.ws.dm}
        title="Gantry"
        header={header}
        emptyText="This is your direct message with Gantry. Ask it something: “who owns checkout?”, or type / for its commands."
      />
    );
  }
  return (
    <div className="conversation-wrap">
      <div className="conversation">
        {header}
        <div className="home" data-testid="home">
          {home ? (
            <Blocks blocks={home.blocks} ctx={{ target: { view_id: home.id } }} />
          ) : (
            <div className="empty">Opening Gantry’s Home tab… (Gantry publishes it when you open it: app_home_opened)</div>
          )}
        </div>
      </div>
    </div>
  );
}
