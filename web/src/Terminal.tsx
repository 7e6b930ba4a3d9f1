// The agent's raw terminal (its tmux pane, 200×50) in xterm.js, read-only, over a WebSocket.
// Loaded lazily: the board and the instances view never pay for xterm.
import { useEffect, useRef, useState } from 'react';
import { Terminal as XTerm } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { reportUnauthorized, wsUrl } from './api/client';

const PANE = { cols: 200, rows: 50 }; // tmux new-session -x 200 -y 50 (the pane's fixed size)

export default function Terminal({ instanceId }: { instanceId: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState('connecting');

  useEffect(() => {
    const term = new XTerm({
      ...PANE,
      disableStdin: true,
      cursorBlink: false,
      scrollback: 5000,
      fontSize: 12,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      theme: { background: '#111418' },
    });
    term.open(host.current!);
    let socket: WebSocket | null = null;
    let timer: number | undefined;
    let closed = false;

    const connect = () => {
      setState('connecting');
      socket = new WebSocket(wsUrl(`/api/instances/${encodeURIComponent(instanceId)}/terminal`));
      socket.binaryType = 'arraybuffer';
      socket.onopen = () => {
        term.reset(); // the server starts again from the tail of the pane's log
        setState('live');
      };
      socket.onmessage = (m) => {
        term.write(typeof m.data === 'string' ? m.data : new Uint8Array(m.data as ArrayBuffer));
      };
      socket.onclose = (c) => {
        socket = null;
        if (closed) return;
        if (c.code === 4401) {
          setState('unauthorized');
          reportUnauthorized();
        } else if (c.code === 4404) {
          setState('gone');
        } else {
          setState('reconnecting');
          timer = window.setTimeout(connect, 1500);
        }
      };
    };
    connect();
    return () => {
      closed = true;
      window.clearTimeout(timer);
      socket?.close();
      term.dispose();
    };
  }, [instanceId]);

  return (
    <div className="terminal-wrap" data-testid="terminal" data-state={state}>
      <div ref={host} className="terminal" />
    </div>
  );
}
