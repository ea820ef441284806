import type { TokenStore, Tokens } from '../storage/token-store.js';

/** The client's tokens were replaced by a refresh: this client's own, or (`elsewhere`) another tab's or process's. */
export interface RefreshedEvent {
  readonly accessToken: string;
  /** Epoch seconds, when known. */
  readonly expiresAt: number | undefined;
  /** True when another tab, process or client instance sharing the session did it. */
  readonly elsewhere: boolean;
}

/**
 * The session is over for this client: `signed-out` (logout / signOut, here or elsewhere) or
 * `session-ended` (a refresh was refused: expired, revoked, ended by an admin).
 */
export interface SignedOutEvent {
  readonly reason: 'signed-out' | 'session-ended';
  readonly elsewhere: boolean;
}

export interface SessionEventMap {
  readonly refreshed: RefreshedEvent;
  readonly signedOut: SignedOutEvent;
}

export type SessionEventType = keyof SessionEventMap;
export type SessionEventListener<K extends SessionEventType> = (event: SessionEventMap[K]) => void;
/** Stops the listener it was returned for; calling it again does nothing. */
export type Unsubscribe = () => void;

export interface SessionEvents {
  /** Subscribes to `type`; returns the function that unsubscribes. */
  on<K extends SessionEventType>(type: K, listener: SessionEventListener<K>): Unsubscribe;
}

/** What this client tells the hub about its own actions. */
export interface SessionEventHub extends SessionEvents {
  /** New tokens from a sign-in here: remembered, so that a later change elsewhere is noticed. */
  signedIn(tokens: Tokens): void;
  refreshed(tokens: Tokens): void;
  signedOut(reason: SignedOutEvent['reason']): void;
}

type Message = { readonly type: 'refreshed' } | { readonly type: 'signedOut'; readonly reason: string };

/**
 * Events for one session client. Other tabs and processes are heard through two channels, opened
 * only while someone listens (and unref'd in Node, so they never keep a process alive): a
 * BroadcastChannel named after the client's lock (tabs and workers of an origin; threads of a
 * Node process), and the store's own `watch` (the file store's change detection, across
 * processes). Either one only says "look again": the store is then re-read and compared with
 * the tokens this client last knew, so a change is announced once however many channels report it.
 */
export function createSessionEventHub(channelName: string, store: TokenStore): SessionEventHub {
  const listeners = {
    refreshed: new Set<(e: RefreshedEvent) => void>(),
    signedOut: new Set<(e: SignedOutEvent) => void>(),
  };
  let known: Tokens | undefined;
  let close: (() => void) | undefined;
  let channel: BroadcastChannel | undefined;

  function emit<K extends SessionEventType>(type: K, event: SessionEventMap[K]): void {
    for (const listener of [...listeners[type]] as SessionEventListener<K>[]) {
      try {
        listener(event);
      } catch (error) {
        // A listener's failure is the app's, and must not break the SDK call that emitted it.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Tells the other tabs and threads; a one-shot channel when this client is not listening itself. */
  function post(message: Message): void {
    if (typeof BroadcastChannel !== 'function') return;
    if (channel !== undefined) {
      channel.postMessage(message);
      return;
    }
    const once = new BroadcastChannel(channelName);
    once.postMessage(message);
    once.close();
  }

  /** Another context changed something: compare the store with what this client last knew. */
  async function reconcile(message: Message | undefined): Promise<void> {
    let tokens = await store.get();
    if (message?.type === 'signedOut' && tokens !== undefined && tokens.accessToken === known?.accessToken) {
      // A store of this tab's own (the memory store beside the refresh cookie): end it here too.
      await store.clear();
      tokens = undefined;
    }
    const before = known;
    known = tokens;
    if (before === undefined) return;
    if (tokens === undefined) {
      const reason =
        message?.type === 'signedOut' && message.reason === 'session-ended' ? 'session-ended' : 'signed-out';
      emit('signedOut', { reason, elsewhere: true });
    } else if (tokens.accessToken !== before.accessToken) {
      emit('refreshed', { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt, elsewhere: true });
    }
  }

  const listen = (message?: Message) => {
    reconcile(message).catch(() => undefined);
  };

  function open(): () => void {
    const stopWatching = store.watch?.(() => listen());
    if (typeof BroadcastChannel === 'function') {
      const opened = new BroadcastChannel(channelName);
      (opened as { unref?: () => void }).unref?.();
      opened.onmessage = (event: MessageEvent) => listen(event.data as Message);
      channel = opened;
    }
    // What this client holds now is the baseline for "changed elsewhere".
    store.get().then(
      (tokens) => {
        known ??= tokens;
      },
      () => undefined,
    );
    return () => {
      stopWatching?.();
      channel?.close();
      channel = undefined;
    };
  }

  return {
    on(type, listener) {
      const set = listeners[type] as Set<SessionEventListener<typeof type>>;
      // The same function twice is two subscriptions, each undone by its own Unsubscribe.
      const entry: SessionEventListener<typeof type> = (event) => listener(event);
      set.add(entry);
      if (close === undefined) close = open();
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        set.delete(entry);
        if (listeners.refreshed.size + listeners.signedOut.size === 0) {
          close?.();
          close = undefined;
        }
      };
    },
    signedIn(tokens) {
      known = tokens;
      post({ type: 'refreshed' });
    },
    refreshed(tokens) {
      known = tokens;
      emit('refreshed', { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt, elsewhere: false });
      post({ type: 'refreshed' });
    },
    signedOut(reason) {
      known = undefined;
      emit('signedOut', { reason, elsewhere: false });
      post({ type: 'signedOut', reason });
    },
  };
}
