// Folds board events with store.js for tests/storming/test_js_client.py.
//
// stdin: {"scenarios": [{"state": <welcome state> | null, "seq": n,
//          "events": [<event message>, ...]}, ...]}
// stdout: [{"seq": n, "snapshot": <store.snapshot()>,
//           "links_of": {sticky id: [...]}, "votes_of": {sticky id: [...]}}, ...]

import "./vocabulary_setup.mjs"; // first: the board modules read it as they load
import { BoardStore } from "../../static/js/board/store.js";

function run({ state, seq, events }) {
  const store = new BoardStore();
  if (state) store.load(state, seq);
  for (const message of events) store.apply(message);
  const ids = [...store.stickies.keys()];
  return {
    seq: store.seq,
    snapshot: store.snapshot(),
    links_of: Object.fromEntries(ids.map((id) => [id, store.linksOf(id)])),
    votes_of: Object.fromEntries(ids.map((id) => [id, store.votesOf(id)])),
  };
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { scenarios } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
process.stdout.write(JSON.stringify(scenarios.map(run)));
