// Unit tests of the client's pure helpers: node --test test/ (npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  completions, encodeMentions, fixMrkdwn, hintFor, keepState, mentionQuery, merge, missingRequired, parseCommand, sandboxHref,
  tsBefore, upsert,
} from '../src/util.js';

const commands = [
  { command: '/whoowns', usage_hint: 'checkout | org/repo' },
  { command: '/gantry', usage_hint: 'help | search <text>' },
  { command: '/create-service', usage_hint: '[template]' },
];

test('timestamps order by seconds, then micros', () => {
  assert.ok(tsBefore('999.000001', '1000.000000'));
  assert.ok(tsBefore('1000.000001', '1000.000002'));
  assert.ok(!tsBefore('1000.000002', '1000.000002'));
});

test('upsert keeps order, newer revisions and deletions', () => {
  let l = upsert([], { ts: '2.0', rev: 0, text: 'b' });
  l = upsert(l, { ts: '1.0', rev: 0, text: 'a' });
  assert.deepEqual(l.map((m) => m.text), ['a', 'b']);
  l = upsert(l, { ts: '2.0', rev: 2, text: 'b2' });
  l = upsert(l, { ts: '2.0', rev: 1, text: 'stale' });
  assert.equal(l[1].text, 'b2');
  l = upsert(l, { ts: '1.0', deleted: true });
  assert.deepEqual(l.map((m) => m.ts), ['2.0']);
  // A fetch answered before a later update must not undo it.
  assert.equal(merge([{ ts: '2.0', rev: 3, text: 'new' }], [{ ts: '2.0', rev: 1, text: 'old' }])[0].text, 'new');
});

test('slash commands: parse, complete, hint', () => {
  assert.deepEqual(parseCommand('/whoowns  checkout '), { command: '/whoowns', text: 'checkout' });
  assert.deepEqual(parseCommand('/create-service'), { command: '/create-service', text: '' });
  assert.equal(parseCommand('who owns /checkout'), null);
  assert.deepEqual(completions(commands, '/g').map((c) => c.command), ['/gantry']);
  assert.deepEqual(completions(commands, '/').length, 3);
  assert.deepEqual(completions(commands, '/gantry '), []);
  assert.equal(hintFor(commands, '/gantry sea').usage_hint, 'help | search <text>');
  assert.equal(hintFor(commands, '/gantry'), null);
});

test('mentions: the query at the caret, and Slack encoding', () => {
  assert.deepEqual(mentionQuery('hi @al', 6), { query: 'al', start: 3 });
  assert.equal(mentionQuery('mail a@b', 8), null);
  const people = [{ id: 'U1', name: 'alice' }, { id: 'UB', name: 'gantry' }, { id: 'U2', name: 'ana.b' }];
  assert.equal(encodeMentions('@gantry who owns checkout? cc @alice.', people), '<@UB> who owns checkout? cc <@U1>.');
  assert.equal(encodeMentions('@ana.b and @nobody and a@alice', people), '<@U2> and @nobody and a@alice');
});

test('modal state: required fields and values kept across updates', () => {
  const blocks = [
    { type: 'input', block_id: 'name', element: { type: 'plain_text_input', action_id: 'v' } },
    { type: 'input', block_id: 'db', optional: true, element: { type: 'checkboxes', action_id: 'v', options: [] } },
    { type: 'input', block_id: 'vis', element: { type: 'static_select', action_id: 'v', initial_option: { value: 'private' } } },
  ];
  const st = keepState({ name: { v: 'orders' }, gone: { v: 'x' } }, blocks);
  assert.deepEqual(st, { name: { v: 'orders' }, db: { v: [] }, vis: { v: 'private' } });
  assert.deepEqual(missingRequired(blocks, { ...st, name: { v: '' } }), { name: 'Please complete this required field.' });
});

test('mrkdwn: an escaped ">" inside bold no longer breaks it; quotes stay', () => {
  const blocks = [
    { type: 'section', text: { type: 'mrkdwn', text: '*/whoowns &lt;name&gt;* — who owns it\n&gt; a quote' } },
    { type: 'header', text: { type: 'plain_text', text: 'a &gt; b' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: '_x &gt; y_' }] },
  ];
  const out = fixMrkdwn(blocks);
  assert.equal(out[0].text.text, '*/whoowns &lt;name&gt;* — who owns it\n&gt; a quote'.replace('&lt;name&gt;', '&lt;name>'));
  assert.equal(out[1], blocks[1]); // plain text untouched, shared
  assert.equal(out[2].elements[0].text, '_x > y_');
  assert.equal(blocks[0].text.text.includes('&lt;name&gt;'), true); // the input is not changed
});

test('links to the simulated GitHub go to the sandbox page', () => {
  const web = 'https://github.com';
  assert.equal(sandboxHref('https://github.com/bramble/checkout/tree/main/', web), '/github/bramble/checkout/tree/main/');
  assert.equal(sandboxHref('https://github.com/bramble/x/actions/runs/7', web + '/'), '/github/bramble/x/actions/runs/7');
  assert.equal(sandboxHref('https://docs.github.com/en', web), 'https://docs.github.com/en');
  assert.equal(sandboxHref('https://github.company.example/a', web), 'https://github.company.example/a');
  assert.equal(sandboxHref('https://example.com', ''), 'https://example.com');
});
