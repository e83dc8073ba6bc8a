// GraphiQL for developers, bundled with the explorer so that nothing comes
// from a CDN. A token from the explorer's sign-in (same tab) is put in the
// headers, and subscriptions go over this origin's WebSocket.

import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { createRoot } from "react-dom/client";
import { token } from "./api";

const t = token();
const fetcher = createGraphiQLFetcher({
  url: "/graphql",
  subscriptionUrl: (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql",
  wsConnectionParams: t ? { Authorization: "Bearer " + t } : undefined,
});

const headers = t ? JSON.stringify({ Authorization: "Bearer " + t }, null, 2) : undefined;

const firstQuery = t
  ? "# Signed in from the explorer: the token is in the headers below.\n{\n  me { subject roles }\n}\n"
  : '# Sign in first: run this, then put {"Authorization": "Bearer <token>"} in the headers below.\n' +
    'mutation {\n  login(input: {username: "", password: ""}) { token expiresAt }\n}\n';

createRoot(document.getElementById("graphiql")!).render(
  <GraphiQL fetcher={fetcher} defaultHeaders={headers} defaultQuery={firstQuery} defaultEditorToolsVisibility={true} />,
);
