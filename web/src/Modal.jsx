// The person's open modal (the top of their stack): its inputs, the
// errors Gantry returns under each field, Submit and Close.
import { useEffect, useRef, useState } from 'react';
import { api } from './api.js';
import { Blocks } from './blocks/Blocks.jsx';
import { useStore } from './state.jsx';
import { keepState, missingRequired, plain } from './util.js';

export function Modal() {
  const { s, run, toast } = useStore();
  const stack = s.views.modals || [];
  const view = stack[stack.length - 1];
  const [values, setValues] = useState({});
  const [localErrors, setLocalErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const seen = useRef({ id: '', hash: '' });

  // A new modal starts from its initial values; an updated one keeps what
  // was typed in the inputs it still has, as Slack does.
  useEffect(() => {
    if (!view) return;
    if (seen.current.id !== view.id) {
      setValues(keepState({}, view.blocks));
      setLocalErrors({});
    } else if (seen.current.hash !== view.hash) {
      setValues((v) => keepState(v, view.blocks));
      setLocalErrors({});
    }
    seen.current = { id: view.id, hash: view.hash };
  }, [view]);

  useEffect(() => {
    if (!view) return undefined;
    const onKey = (e) => {
      if (e.key === 'Escape' && !document.querySelector('.confirm-backdrop')) close();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  if (!view) return null;
  const errors = { ...(view.errors || {}), ...localErrors };

  const setValue = (block, action, v) => {
    setValues((st) => ({ ...st, [block]: { ...(st[block] || {}), [action]: v } }));
    setLocalErrors((e) => {
      if (!e[block]) return e;
      const n = { ...e };
      delete n[block];
      return n;
    });
  };

  async function close() {
    setBusy(true);
    await run((as) => api.close(as, view.id));
    setBusy(false);
  }

  const submit = async (e) => {
    e.preventDefault();
    const missing = missingRequired(view.blocks, values);
    if (Object.keys(missing).length) {
      setLocalErrors(missing);
      return;
    }
    setBusy(true);
    const res = await run((as) => api.submit(as, view.id, values));
    setBusy(false);
    if (!res) return;
    if (res.errors && res.status === 422) setLocalErrors(res.errors);
    if (res.error && res.status !== 422) toast(res.error);
  };

  return (
    <div className="modal-backdrop" data-testid="modal-backdrop">
      <form className="modal" role="dialog" aria-modal="true" aria-label={plain(view.title)} data-testid="modal" data-view-id={view.id} onSubmit={submit}>
        <div className="modal-head">
          {stack.length > 1 && (
            <button type="button" className="close-x back" aria-label="Back" onClick={close}>
              ←
            </button>
          )}
          <h2 data-testid="modal-title">{plain(view.title)}</h2>
          <button type="button" className="close-x" aria-label="Close" onClick={close} disabled={busy}>
            ×
          </button>
        </div>
        <div className="modal-body">
          <Blocks blocks={view.blocks} ctx={{ target: { view_id: view.id }, values, setValue, errors }} />
        </div>
        <div className="modal-foot">
          <button type="button" className="btn" onClick={close} disabled={busy}>
            {plain(view.close) || (view.submit ? 'Cancel' : 'Close')}
          </button>
          {view.submit && (
            <button type="submit" className={'btn primary-solid' + (busy ? ' busy' : '')} disabled={busy} data-testid="modal-submit">
              {plain(view.submit)}
            </button>
          )}
        </div>
      </form>
    </div>
  );
}
