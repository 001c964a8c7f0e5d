import { useEffect, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import { describeError } from './api';
import { hrefOf, navigate } from './router';

/** A real link (open in a new tab works) that routes in place on a plain click. */
export function Link(props: { href: string; children: ReactNode; className?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>): void => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} onClick={onClick} className={props.className}>
      {props.children}
    </a>
  );
}

export function CopyButton(props: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(props.text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      window.prompt('Copy this text', props.text);
    }
  };
  return (
    <button
      type="button"
      className="copy"
      onClick={() => void copy()}
      aria-label={`Copy ${props.label ?? props.text}`}
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

/** A line of text to copy, such as a `docker pull` command. */
export function CopyLine(props: { text: string; label: string }) {
  return (
    <div className="copy-line">
      <code>{props.text}</code>
      <CopyButton text={props.text} label={props.label} />
    </div>
  );
}

export function ErrorBox(props: { error: unknown }) {
  return (
    <div className="error" role="alert">
      {describeError(props.error)}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {props.what}…
    </p>
  );
}

/** A modal confirmation: Escape or Cancel closes it, focus starts on Cancel. */
export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} className="confirm" onCancel={props.onCancel} aria-labelledby="confirm-title">
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div className="actions">
        <button type="button" autoFocus onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** The bar on top of every signed-in page: the console's two halves, who is signed in. */
export function TopBar(props: { who: string; whoTitle: string; onSignOut: () => void }) {
  return (
    <header className="top">
      <Link href={hrefOf({ page: 'repositories' })} className="brand">
        Berth
      </Link>
      <nav aria-label="Main">
        <Link href={hrefOf({ page: 'repositories' })}>Repositories</Link>
        <Link href={hrefOf({ page: 'admin-accounts' })}>Admin</Link>
      </nav>
      <span className="who" title={props.whoTitle}>
        {props.who}
      </span>
      <button type="button" onClick={props.onSignOut}>
        Sign out
      </button>
    </header>
  );
}

/** A message after an action, read out by screen readers. */
export function Notice(props: { text?: string }) {
  if (!props.text) return null;
  return (
    <p className="notice" role="status">
      {props.text}
    </p>
  );
}
