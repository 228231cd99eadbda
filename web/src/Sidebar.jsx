// The sidebar: a short guided tour, the app, channels and the DM.
import { useState } from 'react';
import { useStore } from './state.jsx';

// tour is what a newcomer can do in five minutes; each step sets things up
// and leaves the last move (Enter, a click) to them.
function useTour() {
  const { s, open, compose, switchUser, openChannelByName } = useStore();
  const ws = s.ws;
  if (!ws) return [];
  const me = ws.people.find((p) => p.id === s.as);
  const approver = ws.people.find((p) => p.role && p.role.includes('approves'));
  const general = ws.channels.find((c) => c.name === 'general');
  const toGeneral = () => general && open({ kind: 'channel', id: general.id });
  return [
    { key: 'whoowns', title: 'Ask who owns checkout', detail: '/whoowns checkout', run: () => (toGeneral(), compose('/whoowns checkout')) },
    { key: 'create', title: 'Create a service', detail: '/create-service opens a form', run: () => (toGeneral(), compose('/create-service')) },
    approver && {
      key: 'approve',
      title: `Approve it as ${approver.real_name.split(' ')[0]}`,
      detail: `platform team · #team-platform`,
      run: () => {
        switchUser(approver.id);
        openChannelByName('team-platform');
      },
    },
    { key: 'again', title: 'Ask who owns the new service', detail: '/whoowns <its name>', run: () => (toGeneral(), compose('/whoowns ')) },
    { key: 'home', title: 'Open your Home tab', detail: me ? `what ${me.real_name.split(' ')[0]} owns, on call` : 'teams, on call', run: () => open({ kind: 'app', tab: 'home' }) },
    { key: 'mention', title: 'Mention @gantry', detail: 'answers in a thread', run: () => (toGeneral(), compose('@gantry who owns search?')) },
  ].filter(Boolean);
}

export function Sidebar() {
  const { s, open } = useStore();
  const ws = s.ws;
  const [tourOpen, setTourOpen] = useState(() => localStorage.getItem('gantry.tour') !== 'closed');
  const tour = useTour();
  if (!ws) return <nav className="sidebar" />;
  const isOpen = (kind, id) => s.view.kind === kind && (kind === 'app' || s.view.id === id);
  const toggleTour = () => {
    localStorage.setItem('gantry.tour', tourOpen ? 'closed' : 'open');
    setTourOpen(!tourOpen);
  };
  return (
    <nav className="sidebar" aria-label="Conversations">
      <div className="workspace-name">
        {ws.team.name.replace(' (local sandbox)', '')}
        <span className="sandbox-pill">sandbox</span>
      </div>
      <div className="side-section">
        <button type="button" className="side-title" onClick={toggleTour} aria-expanded={tourOpen}>
          {tourOpen ? '▾' : '▸'} Try it
        </button>
        {tourOpen && (
          <ol className="tour">
            {tour.map((t) => (
              <li key={t.key}>
                <button type="button" className="tour-step" onClick={t.run} data-testid={'tour-' + t.key}>
                  <span className="tour-title">{t.title}</span>
                  <span className="tour-detail">{t.detail}</span>
                </button>
              </li>
            ))}
          </ol>
        )}
      </div>
      <div className="side-section">
        <div className="side-title static">Apps</div>
        <button
          type="button"
          className={'side-item' + (isOpen('app') ? ' active' : '') + (s.unread[ws.dm] ? ' unread' : '')}
          data-testid="open-app"
          onClick={() => open({ kind: 'app', tab: 'home' })}
        >
          <span className="app-dot">G</span> Gantry
          <span className={'presence' + (s.online ? ' on' : '')} title={s.online ? 'connected over Socket Mode' : 'not connected'} />
        </button>
      </div>
      <div className="side-section">
        <div className="side-title static">Channels</div>
        {ws.channels.map((c) => (
          <button
            key={c.id}
            type="button"
            title={c.purpose}
            data-channel-name={c.name}
            className={'side-item' + (isOpen('channel', c.id) ? ' active' : '') + (s.unread[c.id] ? ' unread' : '')}
            onClick={() => open({ kind: 'channel', id: c.id })}
          >
            <span className="hash">#</span> {c.name}
          </button>
        ))}
      </div>
      <div className="side-section">
        <div className="side-title static">Direct messages</div>
        <button
          type="button"
          className={'side-item' + (s.view.kind === 'app' && s.view.tab === 'messages' ? ' active' : '') + (s.unread[ws.dm] ? ' unread' : '')}
          data-testid="open-dm"
          onClick={() => open({ kind: 'app', tab: 'messages' })}
        >
          <span className="app-dot small">G</span> Gantry
        </button>
      </div>
    </nav>
  );
}
