// The client's state: the workspace, who is acting, the open
// conversation, its messages, the person's modals and App Home, and the
// live event stream that keeps them current.
import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef } from 'react';
import { api, events } from './api.js';
import { merge, upsert } from './util.js';

const Ctx = createContext(null);

export function useStore() {
  return useContext(Ctx);
}

const initial = {
  ws: null, // workspace: team, bot, people, channels, dm, commands, sandbox
  as: localStorage.getItem('gantry.as') || '',
  view: { kind: 'channel', id: '' }, // or { kind: 'app', tab: 'home' | 'messages' }
  messages: {}, // channel id → messages (ts order)
  views: { modals: [], home: null },
  unread: {}, // channel id → true
  thread: null, // { channel, ts }
  toasts: [],
  online: false,
  stream: 'connecting',
  composer: { text: '', nonce: 0 }, // text put in the composer from outside (Try it)
};

function reducer(s, a) {
  switch (a.type) {
    case 'workspace': {
      const ws = a.ws;
      let as = s.as;
      if (!ws.people.some((p) => p.id === as)) as = ws.default_user;
      let view = s.view;
      if (view.kind === 'channel' && !ws.channels.some((c) => c.id === view.id)) {
        view = { kind: 'channel', id: (ws.channels[0] || {}).id || '' };
      }
      return { ...s, ws, as, view, online: ws.bot_online };
    }
    case 'as':
      return { ...s, as: a.as, messages: {}, views: { modals: [], home: null }, unread: {}, thread: null, ws: s.ws && { ...s.ws, dm: '' } };
    case 'open': {
      const unread = { ...s.unread };
      const ch = a.view.kind === 'channel' ? a.view.id : a.view.kind === 'app' && a.view.tab === 'messages' ? s.ws && s.ws.dm : '';
      if (ch) delete unread[ch];
      return { ...s, view: a.view, unread, thread: a.view.kind === s.view.kind && a.view.id === s.view.id ? s.thread : null };
    }
    case 'messages':
      return { ...s, messages: { ...s.messages, [a.channel]: merge(s.messages[a.channel], a.messages) } };
    case 'message': {
      const m = a.message;
      const list = s.messages[m.channel];
      const messages = list ? { ...s.messages, [m.channel]: upsert(list, m) } : s.messages;
      const showing = currentChannel(s) === m.channel;
      const unread = !showing && !m.deleted && !a.quiet && m.user !== s.as ? { ...s.unread, [m.channel]: true } : s.unread;
      return { ...s, messages, unread };
    }
    case 'views':
      return { ...s, views: a.views };
    case 'thread':
      return { ...s, thread: a.thread };
    case 'online':
      return { ...s, online: a.online };
    case 'stream':
      return { ...s, stream: a.stream };
    case 'toast':
      return { ...s, toasts: s.toasts.concat([{ id: Math.random().toString(36).slice(2), ...a.toast }]).slice(-4) };
    case 'untoast':
      return { ...s, toasts: s.toasts.filter((t) => t.id !== a.id) };
    case 'compose':
      return { ...s, composer: { text: a.text, nonce: s.composer.nonce + 1 } };
    default:
      return s;
  }
}

// currentChannel is the conversation whose messages are on screen.
export function currentChannel(s) {
  if (s.view.kind === 'channel') return s.view.id;
  if (s.view.kind === 'app' && s.view.tab === 'messages') return s.ws && s.ws.dm;
  return '';
}

export function StoreProvider({ children }) {
  const [s, dispatch] = useReducer(reducer, initial);
  const ref = useRef(s);
  ref.current = s;

  const toast = useCallback((text, kind = 'error', extra = {}) => {
    const t = { text, kind, ...extra };
    dispatch({ type: 'toast', toast: t });
  }, []);

  const loadWorkspace = useCallback(async (as) => {
    const ws = await api.workspace(as || ref.current.as);
    dispatch({ type: 'workspace', ws });
    return ws;
  }, []);

  const loadMessages = useCallback(async (channel) => {
    if (!channel || !ref.current.as) return;
    const res = await api.messages(ref.current.as, channel);
    dispatch({ type: 'messages', channel, messages: res.messages });
  }, []);

  const loadViews = useCallback(async () => {
    if (!ref.current.as) return;
    dispatch({ type: 'views', views: await api.views(ref.current.as) });
  }, []);

  // First load: the workspace tells who to act as when nobody was chosen.
  useEffect(() => {
    loadWorkspace(initial.as).catch((e) => toast(e.message));
  }, [loadWorkspace, toast]);

  // The event stream of the person acting; "hello" (also after a
  // reconnect) reloads what is on screen, so nothing is missed.
  const as = s.ws ? s.as : '';
  useEffect(() => {
    if (!as) return undefined;
    localStorage.setItem('gantry.as', as);
    const stop = events(
      as,
      (u) => {
        switch (u.type) {
          case 'hello': {
            dispatch({ type: 'online', online: !!u.online });
            loadWorkspace(as)
              .then((ws) => {
                const cur = currentChannel({ ...ref.current, ws });
                for (const ch of Object.keys(ref.current.messages)) loadMessages(ch);
                if (cur && !ref.current.messages[cur]) loadMessages(cur);
              })
              .catch((e) => toast(e.message));
            loadViews().catch((e) => toast(e.message));
            break;
          }
          case 'message':
            dispatch({ type: 'message', message: u.message });
            break;
          case 'views':
            dispatch({ type: 'views', views: u.views });
            break;
          case 'workspace':
            loadWorkspace(as).catch(() => {});
            break;
          case 'bot':
            dispatch({ type: 'online', online: !!u.online });
            break;
          default:
        }
      },
      (state) => dispatch({ type: 'stream', stream: state }),
    );
    return stop;
  }, [as, loadWorkspace, loadMessages, loadViews, toast]);

  // Load a conversation's messages when it is opened.
  const cur = currentChannel(s);
  useEffect(() => {
    if (cur && s.as && !s.messages[cur]) loadMessages(cur).catch((e) => toast(e.message));
  }, [cur, s.as, s.messages, loadMessages, toast]);

  const actions = useMemo(
    () => ({
      dispatch,
      toast,
      loadMessages,
      switchUser(id) {
        if (id === ref.current.as) return;
        dispatch({ type: 'as', as: id });
        loadWorkspace(id).catch((e) => toast(e.message));
      },
      open(view) {
        dispatch({ type: 'open', view });
        if (view.kind === 'app' && view.tab === 'home') {
          api.home(ref.current.as).catch((e) => toast(e.message));
        }
      },
      openChannelByName(name) {
        const ws = ref.current.ws;
        const c = ws && ws.channels.find((x) => x.name === name.replace(/^#/, ''));
        if (c) dispatch({ type: 'open', view: { kind: 'channel', id: c.id } });
      },
      compose(text) {
        dispatch({ type: 'compose', text });
      },
      // run does an API call, turning a failure into a toast; it returns
      // the answer, or null when it failed.
      async run(fn) {
        try {
          return await fn(ref.current.as);
        } catch (e) {
          toast(e.message);
          return null;
        }
      },
    }),
    [loadMessages, loadWorkspace, toast],
  );

  return <Ctx.Provider value={{ s, ...actions }}>{children}</Ctx.Provider>;
}
