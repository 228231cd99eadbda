// The page: top bar and banner, sidebar, the open conversation or app,
// the person's modal, and notices.
import { useEffect } from 'react';
import { AppView } from './AppView.jsx';
import { Conversation } from './Conversation.jsx';
import { Modal } from './Modal.jsx';
import { Sidebar } from './Sidebar.jsx';
import { currentChannel, useStore } from './state.jsx';
import { Banner, TopBar } from './TopBar.jsx';

function Toasts() {
  const { s, dispatch, openChannelByName } = useStore();
  useEffect(() => {
    const timers = s.toasts.map((t) => setTimeout(() => dispatch({ type: 'untoast', id: t.id }), t.kind === 'info' ? 12000 : 8000));
    return () => timers.forEach(clearTimeout);
  }, [s.toasts, dispatch]);
  return (
    <div className="toasts" aria-live="polite">
      {s.toasts.map((t) => (
        <div key={t.id} className={'toast ' + t.kind} data-testid={'toast-' + t.kind}>
          <div>{t.text}</div>
          {t.channels && t.channels.length > 0 && (
            <div className="toast-links">
              {t.channels.map((c) => (
                <button key={c} type="button" className="linkish" onClick={() => openChannelByName(c)}>
                  #{c}
                </button>
              ))}
            </div>
          )}
          <button type="button" className="close-x" aria-label="Dismiss" onClick={() => dispatch({ type: 'untoast', id: t.id })}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

function Main() {
  const { s } = useStore();
  const ws = s.ws;
  if (!ws) return <div className="main"><div className="empty">Connecting to the sandbox…</div></div>;
  if (s.view.kind === 'app') return <div className="main"><AppView /></div>;
  const ch = ws.channels.find((c) => c.id === currentChannel(s));
  if (!ch) return <div className="main"><div className="empty">Pick a channel.</div></div>;
  return (
    <div className="main">
      <Conversation
        key={ch.id}
        channel={ch.id}
        title={'#' + ch.name}
        subtitle={ch.purpose}
        emptyText={`This is the very beginning of #${ch.name}. Type / to see what Gantry can do here.`}
      />
    </div>
  );
}

export function App() {
  return (
    <div className="app">
      <TopBar />
      <Banner />
      <div className="workspace">
        <Sidebar />
        <Main />
      </div>
      <Modal />
      <Toasts />
    </div>
  );
}
