// The bar above the workspace: that this is a local sandbox (and what
// changes with real tokens), who you are acting as, and "Run digest now".
import { useEffect, useRef, useState } from 'react';
import { api } from './api.js';
import { Avatar } from './MessageItem.jsx';
import { useStore } from './state.jsx';

function UserSwitcher() {
  const { s, switchUser } = useStore();
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const ref = useRef(null);
  useEffect(() => {
    if (!open) return undefined;
    const onDoc = (e) => ref.current && !ref.current.contains(e.target) && setOpen(false);
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [open]);
  const ws = s.ws;
  if (!ws) return null;
  const me = ws.people.find((p) => p.id === s.as);
  // Grouped by first team, approvers first: the two people a newcomer
  // needs (someone asking, someone approving) are easy to find.
  const groups = new Map();
  for (const p of ws.people) {
    if (q && !(p.real_name + ' ' + p.name + ' ' + (p.teams || []).join(' ')).toLowerCase().includes(q.toLowerCase())) continue;
    const g = (p.teams && p.teams[0]) || 'No team';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(p);
  }
  const ordered = [...groups.entries()].sort(([a, pa], [b, pb]) => {
    const ra = pa.some((p) => p.role) ? 0 : 1;
    const rb = pb.some((p) => p.role) ? 0 : 1;
    return ra - rb || a.localeCompare(b);
  });
  return (
    <div className="switcher" ref={ref}>
      <button type="button" className="switcher-button" data-testid="user-switcher" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        <span className="muted">Acting as</span>
        {me && <Avatar id={me.id} name={me.real_name} />}
        <span className="me" data-testid="acting-as">
          {me ? me.real_name : '…'}
        </span>
        {me && me.teams && me.teams.length > 0 && <span className="muted">· {me.teams.join(', ')}</span>}
        <span className="caret">▾</span>
      </button>
      {open && (
        <div className="switcher-menu" role="menu">
          <input autoFocus className="select-search" placeholder="Find a person or team…" value={q} onChange={(e) => setQ(e.target.value)} />
          <div className="switcher-list">
            {ordered.map(([team, people]) => (
              <div key={team}>
                <div className="select-group">{team}</div>
                {people.map((p) => (
                  <button
                    type="button"
                    role="menuitem"
                    key={p.id}
                    data-user-name={p.name}
                    className={'switcher-item' + (p.id === s.as ? ' chosen' : '')}
                    onClick={() => {
                      setOpen(false);
                      setQ('');
                      switchUser(p.id);
                    }}
                  >
                    <Avatar id={p.id} name={p.real_name} />
                    <span>
                      {p.real_name} <span className="muted">@{p.name}</span>
                    </span>
                    {p.role && <span className="role">{p.role}</span>}
                  </button>
                ))}
              </div>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

function DigestButton() {
  const { s, run, toast, openChannelByName } = useStore();
  const [busy, setBusy] = useState(false);
  if (!s.ws) return null;
  const go = async () => {
    setBusy(true);
    const res = await run((as) => api.digest(as));
    setBusy(false);
    if (res) {
      toast(res.summary, 'info', { channels: res.channels });
      if (res.channels && res.channels.length) openChannelByName(res.channels[0]);
    }
  };
  return (
    <button
      type="button"
      className={'btn digest' + (busy ? ' busy' : '')}
      data-testid="run-digest"
      disabled={busy || !s.ws.digest_available}
      title={s.ws.digest_available ? "Post this week's scorecard digest in each team's channel, as Monday's schedule does" : 'No scorecards with digests are configured'}
      onClick={go}
    >
      {busy ? 'Posting digests…' : '▶ Run digest now'}
    </button>
  );
}

export function Banner() {
  const { s } = useStore();
  const [open, setOpen] = useState(false);
  const ws = s.ws;
  if (!ws) return null;
  return (
    <div className="banner" data-testid="sandbox-banner">
      <div className="banner-line">
        <strong>Local sandbox — this is not Slack.</strong> The real Gantry bot is connected over Socket Mode to a
        Slack-compatible server on this machine, with the catalog’s people and channels; GitHub is simulated;{' '}
        {ws.sandbox.postgres ? (
          <>PostgreSQL steps run against <code>{ws.sandbox.postgres}</code>.</>
        ) : (
          <>PostgreSQL steps are skipped (set <code>GANTRY_LOCAL_POSTGRES</code> to run them).</>
        )}{' '}
        <strong>With real tokens</strong> (<code>SLACK_APP_TOKEN</code>, <code>SLACK_BOT_TOKEN</code>) the same bot
        answers in your Slack workspace instead.{' '}
        <button type="button" className="linkish" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'Less' : 'More'}
        </button>
      </div>
      {open && (
        <ul className="banner-details">
          <li>
            <b>Slack</b>: a sandbox at <code>{ws.sandbox.slack_api_url}</code> speaking Slack’s Web API and Socket Mode. Use “Acting as” to be anyone in the catalog: to see what they see, and to approve as the platform team.
          </li>
          <li>
            <b>GitHub</b>: simulated at <code>{ws.sandbox.github_api_url}</code>, seeded with the example organisation (the catalog reads it like a real one: some repositories declare themselves, others are inferred from CODEOWNERS); repositories that actions create live in the sandbox, and links to them open <a href="/github/bramble/checkout" target="_blank" rel="noreferrer">a page of the sandbox’s copy</a>, not github.com.
          </li>
          <li>
            <b>Kept</b>: the conversation, open forms and repositories are saved in Gantry’s database, so a restart picks up where you left off{ws.restored ? ' (as this one did)' : ''}; <code>make clean</code> starts afresh.
          </li>
          <li>
            <b>With real tokens</b>, from a Slack app created with <code>manifest.yaml</code>: the same commands, messages, modals and approvals, for your real people and channels; this page is then not served. Configure <code>github</code> in gantry.yaml for real repositories.
          </li>
        </ul>
      )}
    </div>
  );
}

export function TopBar() {
  const { s } = useStore();
  return (
    <header className="topbar">
      <div className="brand">
        <span className="logo">◧</span> Gantry <span className="local-badge">LOCAL SANDBOX</span>
      </div>
      <div className={'status' + (s.online ? ' on' : '')} data-testid="bot-status">
        <span className="dot" /> {s.online ? 'Gantry is connected (Socket Mode)' : 'Gantry is not connected'}
        {s.stream !== 'open' && s.stream !== 'connecting' && <span className="muted"> · live updates reconnecting…</span>}
      </div>
      <div className="spacer" />
      <DigestButton />
      <UserSwitcher />
    </header>
  );
}
