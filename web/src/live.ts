// One WebSocket to /api/ws for the whole page: events fan out to the views, which refetch what
// changed. On close it reconnects with the last event id it saw, so nothing is missed.
import { useEffect, useRef, useState } from 'react';
import { api, reportUnauthorized, wsUrl } from './api/client';
import type { CcoEvent } from './api/events';

/** An event as the socket sends it: the server that serves this page speaks its vocabulary. */
export type LiveEvent = CcoEvent;
/** Sent first, on each connection: the id of the last event there is. */
interface Ready {
  kind: 'ready';
  id: number;
}

/** null means "refetch everything" (a (re)connection, or an action this page just made). */
type Listener = (event: LiveEvent | null) => void;
export type LiveState = 'connecting' | 'live' | 'offline' | 'unauthorized';

class LiveEvents {
  lastId: number | null = null;
  state: LiveState = 'connecting';
  private socket: WebSocket | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<(state: LiveState) => void>();
  private retryMs = 500;
  private timer: number | undefined;

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (state: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Ask every view to refetch (after an action, or when the token was just given). */
  refresh(): void {
    this.emit(null);
  }

  start(): void {
    if (this.socket) return;
    window.clearTimeout(this.timer);
    this.setState('connecting');
    const after = this.lastId === null ? '' : `?after_id=${this.lastId}`;
    const socket = new WebSocket(wsUrl(`/api/ws${after}`));
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
    };
    socket.onmessage = (message) => {
      let event: LiveEvent | Ready;
      try {
        event = JSON.parse(String(message.data)) as LiveEvent | Ready;
      } catch {
        return;
      }
      if (event.kind === 'ready') {
        this.lastId = event.id;
        this.retryMs = 500;
        this.setState('live');
        this.emit(null); // whatever happened while we were away: fetch it all once
        return;
      }
      if (typeof event.id === 'number') this.lastId = Math.max(this.lastId ?? 0, event.id);
      this.emit(event);
    };
    socket.onclose = (close) => {
      this.socket = null;
      if (close.code === 4401) {
        this.setState('unauthorized');
        reportUnauthorized();
        return; // restart() once a token is given
      }
      this.setState('offline');
      // a refused handshake tells nothing: a REST call says whether a token is missing (401)
      if (!opened) api.health().catch(() => undefined);
      this.timer = window.setTimeout(() => this.start(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  restart(): void {
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close();
      this.socket = null;
    }
    this.start();
  }

  private emit(event: LiveEvent | null): void {
    this.listeners.forEach((listener) => listener(event));
  }

  private setState(state: LiveState): void {
    this.state = state;
    this.stateListeners.forEach((listener) => listener(state));
  }
}

export const live = new LiveEvents();

export function useLiveState(): LiveState {
  const [state, setState] = useState(live.state);
  useEffect(() => live.onState(setState), []);
  return state;
}

export interface Resource<T> {
  data: T | undefined;
  error: Error | undefined;
  reload: () => void;
}

/**
 * Fetch once, then again (debounced) whenever a live event matches `relevant`, on every
 * (re)connection, after actions, and every `everyMs` if given. Stale answers are dropped.
 */
export function useResource<T>(
  fetcher: () => Promise<T>,
  deps: readonly unknown[],
  relevant: (event: LiveEvent) => boolean = () => true,
  everyMs?: number,
): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const fetcherRef = useRef(fetcher);
  const relevantRef = useRef(relevant);
  fetcherRef.current = fetcher;
  relevantRef.current = relevant;
  const reloadRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    let seq = 0;
    let alive = true;
    let timer: number | undefined;
    setData(undefined);
    setError(undefined);
    const load = () => {
      const mine = ++seq;
      fetcherRef.current().then(
        (value) => {
          if (alive && mine === seq) {
            setData(value);
            setError(undefined);
          }
        },
        (err: unknown) => {
          if (alive && mine === seq) setError(err instanceof Error ? err : new Error(String(err)));
        },
      );
    };
    // debounced (120 ms after the last event), yet at least once a second in a steady stream
    let firstAsked = 0;
    const soon = () => {
      const now = Date.now();
      if (timer === undefined) firstAsked = now;
      window.clearTimeout(timer);
      timer = window.setTimeout(
        () => {
          timer = undefined;
          load();
        },
        Math.max(0, Math.min(120, firstAsked + 1000 - now)),
      );
    };
    reloadRef.current = soon;
    load();
    const unsubscribe = live.subscribe((event) => {
      if (event === null || relevantRef.current(event)) soon();
    });
    const interval = everyMs ? window.setInterval(soon, everyMs) : undefined;
    return () => {
      alive = false;
      unsubscribe();
      window.clearTimeout(timer);
      window.clearInterval(interval);
    };
  }, [...deps, everyMs]); // the fetcher may be a new closure each render: deps say when it changes

  return { data, error, reload: () => reloadRef.current() };
}
