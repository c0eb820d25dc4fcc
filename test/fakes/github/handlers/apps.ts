/** App endpoints (JWT-authenticated): installation tokens and the App's own identity. */
import { invalid, notFound, obj, type Handler } from "./types.ts";

export const appHandlers: Record<string, Handler> = {
  "apps/create-installation-access-token": ({ fake, params, example }) => {
    if (Number(params.installation_id) !== fake.installationId) return notFound();
    const template = obj(example(201));
    const expires = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
      status: 201,
      body: {
        ...template,
        token: fake.issueToken(fake.installationId),
        expires_at: expires,
        repository_selection: "selected",
      },
    };
  },
  "apps/get-authenticated": ({ fake, example }) => {
    const template = obj(example(200));
    return { status: 200, body: { ...template, id: fake.appId, slug: fake.appSlug, name: fake.appSlug } };
  },
  "apps/get-repo-installation": ({ fake, state, params, example }) => {
    if (params.owner !== state.owner || params.repo !== state.name) return notFound();
    if (!fake.installationId) return invalid("no installation");
    return {
      status: 200,
      body: { ...obj(example(200)), id: fake.installationId, app_id: fake.appId, app_slug: fake.appSlug },
    };
  },
};
