// The structured log of one instance (its transcript, or its events file until that is known).
import { useEffect, useRef, useState } from 'react';
import { api, type Instance } from './api/client';
import { live } from './live';
import { errorText } from './ui';

const MAX_LINES = 2000;

/**
 * The structured log, read with offsets and appended to: on this instance's events and every
 * 1.5 s while it lives. Keyed by its source (the events file until the transcript is known).
 */
export function LogView({ inst }: { inst: Instance }) {
  const [lines, setLines] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const box = useRef<HTMLDivElement>(null);
  const offsetRef = useRef(0); // survives the effect's re-runs (alive changes), not a remount
  const sourceRef = useRef<string | null>(null); // offsets belong to one source
  const alive = inst.live;

  useEffect(() => {
    let running = false;
    let again = false;
    let stopped = false;
    async function pull() {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        for (let i = 0; i < 10 && !stopped; i++) {
          const page = await api.log(inst.id, offsetRef.current);
          if (stopped) return;
          setError(undefined);
          if (sourceRef.current !== null && page.source !== sourceRef.current && offsetRef.current !== 0) {
            // the log moved to another source (the transcript became known): read it from its start
            sourceRef.current = page.source;
            offsetRef.current = 0;
            setLines([]);
            continue;
          }
          sourceRef.current = page.source;
          const moved = page.offset !== offsetRef.current;
          offsetRef.current = page.offset;
          if (page.lines.length) setLines((old) => [...old, ...page.lines].slice(-MAX_LINES));
          if (!moved) break;
        }
      } catch (err) {
        if (!stopped) setError(errorText(err));
      } finally {
        running = false;
        if (again && !stopped) {
          again = false;
          void pull();
        }
      }
    }
    void pull();
    const unsubscribe = live.subscribe((e) => {
      if (e === null || e.entity_id === inst.id) void pull();
    });
    const timer = alive ? window.setInterval(pull, 1500) : undefined;
    return () => {
      stopped = true;
      unsubscribe();
      window.clearInterval(timer);
    };
  }, [inst.id, alive]);

  // keep the newest line in view unless the reader scrolled up
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div className="log" ref={box} data-testid="task-log">
      {lines.length === 0 && <p className="muted">{error ?? 'Nothing logged yet.'}</p>}
      {lines.map((line, i) => (
        <div key={i} className="log-line" data-testid="log-line">
          {line}
        </div>
      ))}
      {error && lines.length > 0 && <p className="error">{error}</p>}
    </div>
  );
}
