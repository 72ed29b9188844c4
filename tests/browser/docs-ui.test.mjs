// Browser tests of the docs UI (Swagger UI) that a running nsapi server
// serves at its docs path.
//
// Environment:
//   NSAPI_URL        URL of the docs page, such as http://127.0.0.1:5000/
//                    (required). The server must have the respond and todo
//                    namespaces.
//   CHROMIUM_PATH    Chromium executable (default /usr/bin/chromium)
//   SCREENSHOT_PATH  PNG of the page after the echo request
//                    (default target/docs-ui.png in the repository)
//
// scripts/test-browser builds the server, starts it and runs this file with
// `node --test`.

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import path from "node:path";

import { chromium } from "playwright-core";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const docsUrl = process.env.NSAPI_URL;
const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const screenshotPath =
  process.env.SCREENSHOT_PATH || path.join(repositoryRoot, "target", "docs-ui.png");

// Timeouts in milliseconds. Every wait in this file is bounded by one of them.
const LAUNCH_TIMEOUT = 30_000;
const NAVIGATION_TIMEOUT = 20_000;
const ACTION_TIMEOUT = 15_000;
const TEST_TIMEOUT = 90_000;

// Flags that keep headless Chromium from waiting on network services that
// never respond on a closed network, and from sending the page's requests
// through a proxy. `--no-sandbox` is needed when running as root.
// Playwright's launch() adds a fresh temporary --user-data-dir of its own.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--no-proxy-server",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

// Namespaces whose tags the page must show, and their operations. The
// default build has only `respond`, so the server must be built with the
// `todo` feature.
const REQUIRED_TAGS = ["respond", "todo"];
const REQUIRED_OPERATIONS = [
  "GET /respond/hostname",
  "GET /respond/{string}",
  "GET /todos/",
  "POST /todos/",
  "GET /todos/{id}",
  "PUT /todos/{id}",
  "DELETE /todos/{id}",
];

// Origin of the foreign spec URLs, a closed loopback port. The page must
// never send a request to it.
const FOREIGN_ORIGIN = "http://127.0.0.1:1";

const ECHO_VALUE = "hello-browser";

// Keys of an OpenAPI path item that are operations; the others, such as
// `parameters`, are not.
const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

let browser;
let spec;

before(async () => {
  assert.ok(docsUrl, "set NSAPI_URL to the docs page of a running nsapi server");
  const specUrl = new URL("/openapi.json", docsUrl);
  const response = await fetch(specUrl, { signal: AbortSignal.timeout(NAVIGATION_TIMEOUT) });
  assert.equal(response.status, 200, `GET ${specUrl} returned ${response.status}`);
  spec = await response.json();

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: LAUNCH_TIMEOUT,
  });
});

after(async () => {
  await browser?.close();
});

/** Opens a page in a new context with bounded timeouts and collects its uncaught errors. */
async function openPage(t) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT);
  page.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT);
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) {
      t.diagnostic(`${response.status()} from ${response.request().method()} ${response.url()}`);
    }
  });
  return { page, pageErrors };
}

/** Returns each operation of the OpenAPI document as {tag, method, path, summary, operationId}. */
function documentedOperations() {
  const operations = [];
  for (const [pathName, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) {
        continue;
      }
      for (const tag of operation.tags ?? []) {
        operations.push({
          tag,
          method,
          path: pathName,
          summary: operation.summary,
          operationId: operation.operationId,
        });
      }
    }
  }
  return operations;
}

/** Returns the selector of an operation block. Swagger UI 5 gives it the id operations-TAG-ID. */
function operationSelector(tag, operationId) {
  return `#operations-${tag}-${operationId}`;
}

/** Waits until Swagger UI has rendered the section of this tag. */
async function waitForTag(page, tag) {
  await page.locator(`.opblock-tag-section h3[data-tag="${tag}"]`).waitFor({ state: "visible" });
}

test("document has the bundled tags", () => {
  const tags = spec.tags.map((tag) => tag.name);
  for (const tag of REQUIRED_TAGS) {
    assert.ok(tags.includes(tag), `tag ${tag} missing from openapi.json tags ${tags}`);
  }
});

test("docs page lists every tag and operation", { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, pageErrors } = await openPage(t);
  const response = await page.goto(docsUrl);
  assert.equal(response.status(), 200);
  assert.equal(await page.title(), spec.info.title);

  for (const tag of REQUIRED_TAGS) {
    await waitForTag(page, tag);
  }
  const renderedTags = await page.locator(".opblock-tag-section h3[data-tag]").evaluateAll(
    (headings) => headings.map((heading) => heading.dataset.tag),
  );
  assert.deepEqual(renderedTags.sort(), spec.tags.map((tag) => tag.name).sort());

  const renderedOperations = await page.locator(".opblock").evaluateAll((blocks) =>
    blocks.map((block) => {
      const method = block.querySelector(".opblock-summary-method").textContent.trim();
      const path = block.querySelector(".opblock-summary-path").dataset.path;
      return `${method} ${path}`;
    }),
  );
  for (const operation of REQUIRED_OPERATIONS) {
    assert.ok(renderedOperations.includes(operation), `the page does not show ${operation}`);
  }

  const operations = documentedOperations();
  assert.equal(renderedOperations.length, operations.length, "operations on the page");
  for (const operation of operations) {
    const block = page.locator(operationSelector(operation.tag, operation.operationId));
    const label = `${operation.method.toUpperCase()} ${operation.path}`;
    await block.waitFor({ state: "visible" });
    assert.equal(
      (await block.locator(".opblock-summary-method").innerText()).trim(),
      operation.method.toUpperCase(),
      `method of ${label}`,
    );
    assert.equal(
      await block.locator(".opblock-summary-path").getAttribute("data-path"),
      operation.path,
      `path of ${label}`,
    );
    assert.equal(
      (await block.locator(".opblock-summary-description").innerText()).trim(),
      operation.summary,
      `summary of ${label}`,
    );
  }

  assert.deepEqual(pageErrors, [], "uncaught errors on the page");
});

test("echo operation runs from the page", { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, pageErrors } = await openPage(t);
  await page.goto(docsUrl);
  await waitForTag(page, "respond");

  const echo = documentedOperations().find((operation) => operation.operationId === "echo_string");
  assert.ok(echo, "openapi.json has no echo_string operation");
  assert.equal(echo.path, "/respond/{string}");

  const block = page.locator(operationSelector(echo.tag, echo.operationId));
  await block.locator(".opblock-summary-control").click();
  await block.locator("button.try-out__btn").click();
  await block.locator('tr[data-param-name="string"] input').fill(ECHO_VALUE);

  const expectedUrl = new URL(`/respond/${ECHO_VALUE}`, docsUrl).href;
  const responsePromise = page.waitForResponse((response) => response.url() === expectedUrl);
  await block.locator("button.execute").click();
  const networkResponse = await responsePromise;
  assert.equal(networkResponse.status(), 200);
  assert.deepEqual(await networkResponse.json(), { response: ECHO_VALUE });

  const live = block.locator(".live-responses-table");
  await live.waitFor({ state: "visible" });
  const requestUrl = (await block.locator(".request-url pre").innerText()).trim();
  assert.equal(requestUrl, expectedUrl);
  const status = (await live.locator("tbody .response-col_status").first().innerText()).trim();
  assert.equal(status, "200");
  const body = live.locator("tbody .response-col_description pre.microlight").first();
  const bodyText = await body.innerText();
  assert.deepEqual(JSON.parse(bodyText), { response: ECHO_VALUE });

  await page.screenshot({ path: screenshotPath, fullPage: true, timeout: ACTION_TIMEOUT });
  t.diagnostic(`screenshot saved to ${screenshotPath}`);

  assert.deepEqual(pageErrors, [], "uncaught errors on the page");
});

// Swagger UI 5.35.0 reads every query parameter, `url` and `configUrl`
// among them, as configuration when its queryConfigEnabled option is true.
// The default is false and the nsapi page sets false explicitly. A page that
// read them would load a document that the author of a link chose.
for (const [parameter, foreignUrl] of [
  ["url", `${FOREIGN_ORIGIN}/evil.json`],
  ["configUrl", `${FOREIGN_ORIGIN}/evil-config.json`],
]) {
  test(`page ignores ${parameter} query parameter`, { timeout: TEST_TIMEOUT }, async (t) => {
    const { page, pageErrors } = await openPage(t);
    const requests = [];
    page.on("request", (request) => requests.push(request.url()));

    const target = new URL(docsUrl);
    target.searchParams.set(parameter, foreignUrl);
    await page.goto(target.href);
    await waitForTag(page, "respond");
    await page.locator(operationSelector("respond", "echo_string")).waitFor({ state: "visible" });

    const foreignRequests = requests.filter((url) => new URL(url).origin === FOREIGN_ORIGIN);
    assert.deepEqual(foreignRequests, [], `the page requested ${foreignUrl}`);
    const specUrl = new URL("/openapi.json", docsUrl).href;
    assert.ok(requests.includes(specUrl), `the page never requested ${specUrl}: ${requests}`);
    assert.equal(
      (await page.locator(".information-container .title").innerText()).split("\n")[0].trim(),
      spec.info.title,
    );

    assert.deepEqual(pageErrors, [], "uncaught errors on the page");
  });
}
