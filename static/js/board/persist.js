// @ts-check
// Changes waiting to be sent outlive the tab: every command not yet acked is
// kept in IndexedDB (per board) until its ack, and the next page on the board
// sends the ones left over again, with their ids, so the server applies each
// once. While any wait, leaving the page asks first.

import { format, tn } from "./i18n.js";

const DB = "event-storming-board";
const STORE = "unsent";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The unsent commands of one board, in IndexedDB ({load, save, remove}). */
export function indexedDbQueue(boardId, indexedDB = globalThis.indexedDB) {
  let opened = null;
  let order = Date.now() * 1000;
  const db = () => {
    if (!opened) {
      const open = indexedDB.open(DB, 1);
      open.onupgradeneeded = () => {
        const store = open.result.createObjectStore(STORE, { keyPath: "key" });
        store.createIndex("board", "board");
      };
      opened = request(open);
    }
    return opened;
  };
  const write = async (fn) => {
    const tx = (await db()).transaction(STORE, "readwrite");
    fn(tx.objectStore(STORE));
    return new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
  };
  return {
    async load() {
      const store = (await db()).transaction(STORE).objectStore(STORE);
      const rows = await request(store.index("board").getAll(boardId));
      rows.sort((a, b) => a.order - b.order);
      order = Math.max(order, ...rows.map((row) => row.order + 1));
      return rows.map(({ id, name, data }) => ({ id, name, data }));
    },
    save({ id, name, data }) {
      const row = { key: `${boardId}:${id}`, board: boardId, order: order++, id, name, data };
      write((store) => store.put(row)).catch(() => {});
    },
    remove(id) {
      write((store) => store.delete(`${boardId}:${id}`)).catch(() => {});
    },
  };
}

export function install({ connection, boardId, toasts }) {
  if (globalThis.indexedDB) {
    connection.persistWith(indexedDbQueue(boardId)).then((resent) => {
      if (resent) toasts.show(format(tn("Sending %(count)s change left from before.", "Sending %(count)s changes left from before.", resent), { count: resent }));
    });
  }
  window.addEventListener("beforeunload", (event) => {
    if (connection.pending) {
      // Kept and sent on the next visit all the same; the browser asks.
      event.preventDefault();
      event.returnValue = "";
    }
  });
}
