// The page's only way to the server: GraphQL over POST for queries and
// mutations, graphql-ws for subscriptions, both on this origin. The token
// lives in sessionStorage, so it ends with the browser tab.

import { createClient, type Client } from "graphql-ws";

const tokenKey = "itsm.token";

export function token(): string | null {
  return sessionStorage.getItem(tokenKey);
}

export function setToken(t: string | null): void {
  if (t) sessionStorage.setItem(tokenKey, t);
  else sessionStorage.removeItem(tokenKey);
  closeSubscriptions();
}

/** An error the API answered, with its code (BAD_USER_INPUT, FORBIDDEN…). */
export class APIError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

/** Counts requests, so that tests can check one request per user action. */
export let requestCount = 0;

/**
 * Runs one query or mutation. Partial answers are refused as a whole: the
 * page shows the first error rather than half a view.
 */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  requestCount++;
  (window as unknown as { itsmRequests: number }).itsmRequests = requestCount;
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const t = token();
  if (t) headers.Authorization = "Bearer " + t;
  let resp: Response;
  try {
    resp = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  } catch {
    throw new APIError("The server cannot be reached; check that it is running.", "UNAVAILABLE");
  }
  let body: { data?: T; errors?: GraphQLError[] };
  try {
    body = await resp.json();
  } catch {
    throw new APIError(`The server answered ${resp.status} without a GraphQL body.`, "UNAVAILABLE");
  }
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new APIError(e.message, e.extensions?.code ?? "INTERNAL");
  }
  if (!body.data) throw new APIError("The server answered no data.", "INTERNAL");
  return body.data;
}

let wsClient: Client | null = null;

function ws(): Client {
  if (!wsClient) {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
    wsClient = createClient({
      url,
      lazy: true,
      retryAttempts: Infinity,
      connectionParams: () => ({ Authorization: "Bearer " + (token() ?? "") }),
    });
  }
  return wsClient;
}

function closeSubscriptions(): void {
  wsClient?.dispose();
  wsClient = null;
}

/**
 * Subscribes to a subscription document; returns the function that ends it.
 * Errors go to onError (the page shows them) and end the subscription.
 */
export function subscribe<T>(query: string, variables: Record<string, unknown>, onData: (d: T) => void, onError: (e: Error) => void): () => void {
  return ws().subscribe<T>(
    { query, variables },
    {
      next: (msg) => {
        if (msg.errors?.length) onError(new APIError(msg.errors[0].message, String(msg.errors[0].extensions?.code ?? "INTERNAL")));
        else if (msg.data) onData(msg.data as T);
      },
      error: (e) => onError(e instanceof Error ? e : new Error("the live connection closed")),
      complete: () => {},
    },
  );
}
