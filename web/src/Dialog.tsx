import { useEffect, useRef, type ReactNode } from 'react';

/** A modal <dialog>, open while mounted; Esc or its × calls onClose (when given). */
export function Dialog({
  title,
  onClose,
  children,
  testid,
}: {
  title: string;
  onClose?: () => void;
  children: ReactNode;
  testid: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      data-testid={testid}
      onCancel={(e) => {
        e.preventDefault();
        onClose?.();
      }}
    >
      <header className="dialog-head">
        <h2>{title}</h2>
        {onClose && (
          <button type="button" className="plain" aria-label="Close" onClick={onClose}>
            ×
          </button>
        )}
      </header>
      {children}
    </dialog>
  );
}
