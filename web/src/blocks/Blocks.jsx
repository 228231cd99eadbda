// Blocks draws a surface's Block Kit (a message, a modal, App Home):
// display blocks through slack-blocks-to-jsx, interactive ones here.
import { Fragment } from 'react';
import { plain } from '../util.js';
import { Element, Img } from './elements.jsx';
import { LibBlocks } from './Rich.jsx';

const interactive = new Set(['actions', 'input', 'image']);

// groupBlocks splits blocks into runs that the library draws together and
// blocks drawn here.
function groupBlocks(blocks) {
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length) out.push({ lib: run });
    run = [];
  };
  for (const b of blocks || []) {
    if (interactive.has(b.type) || (b.type === 'section' && b.accessory)) {
      flush();
      out.push({ own: b });
    } else {
      run.push(b);
    }
  }
  flush();
  return out;
}

// ctx: { target: {channel, ts} | {view_id}, values, setValue, errors }
export function Blocks({ blocks, ctx }) {
  return (
    <div className="blocks">
      {groupBlocks(blocks).map((g, i) =>
        g.lib ? <LibBlocks key={i} blocks={g.lib} /> : <Fragment key={g.own.block_id || i}>{own(g.own, ctx)}</Fragment>,
      )}
    </div>
  );
}

function own(b, ctx) {
  switch (b.type) {
    case 'section': {
      const { accessory, ...rest } = b;
      return (
        <div className="section-row" data-block-id={b.block_id}>
          <div className="section-main">
            <LibBlocks blocks={[rest]} />
          </div>
          <div className="section-accessory">
            <Element el={accessory} ctx={{ ...ctx, blockId: b.block_id, acts: true, setValue: undefined }} />
          </div>
        </div>
      );
    }
    case 'actions':
      return (
        <div className="actions-row" data-block-id={b.block_id}>
          {(b.elements || []).map((el, i) => (
            <Element key={el.action_id || i} el={el} ctx={{ ...ctx, blockId: b.block_id, acts: true, setValue: undefined }} />
          ))}
        </div>
      );
    case 'image':
      return (
        <div className="image-block" data-block-id={b.block_id}>
          {b.title && <div className="image-title">{plain(b.title)}</div>}
          <Img url={b.image_url} alt={b.alt_text} title={plain(b.title)} />
        </div>
      );
    case 'input':
      return <InputBlock b={b} ctx={ctx} />;
    default:
      return <LibBlocks blocks={[b]} />;
  }
}

function InputBlock({ b, ctx }) {
  const error = ctx.errors && ctx.errors[b.block_id];
  return (
    <div className={'input-block' + (error ? ' has-error' : '')} data-block-id={b.block_id}>
      <label className="input-label">
        {plain(b.label)}
        {b.optional && <span className="optional"> (optional)</span>}
      </label>
      <Element el={b.element} error={error} ctx={{ ...ctx, blockId: b.block_id, acts: !!b.dispatch_action }} />
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
      {b.hint && <div className="input-hint">{plain(b.hint)}</div>}
    </div>
  );
}
