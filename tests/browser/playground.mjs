// Drives the playground in headless Chromium: runs the default query, checks the result,
// the history, a query with variables and the documentation explorer, and that the page
// loaded nothing from elsewhere and logged no error.
//
// Usage: node playground.mjs <server URL> <screenshot path>
// Environment: CHROMIUM, the browser to run (default /usr/bin/chromium).

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import puppeteer from "puppeteer-core";

const [server, screenshot] = process.argv.slice(2);
if (!server || !screenshot) {
  console.error("usage: node playground.mjs <server URL> <screenshot path>");
  process.exit(2);
}
const origin = new URL(server).origin;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
/** How long any one step may take, in milliseconds. */
const STEP = 60_000;

const started = Date.now();
const requests = [];
const problems = [];

const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
});
let page;
try {
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.setDefaultTimeout(STEP);
  page.on("request", (request) => requests.push(request.url()));
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));

  await step("load the page", async () => {
    await page.goto(`${origin}/`, { waitUntil: "load" });
    await page.waitForSelector(".graphiql-container .graphiql-execute-button");
    await page.waitForFunction(() =>
      document.querySelector(".graphiql-query-editor .CodeMirror")?.CodeMirror.getValue().includes('event(slug: "wic-2017")'),
    );
  });

  await step("run the default query", async () => {
    await page.click(".graphiql-execute-button");
    const text = await result('"data"');
    for (const expected of [
      "Fourth World Internet Conference",
      "2017-12-03",
      "Organization for Economic Co-operation and Development",
    ]) {
      check(text.includes(expected), `the result shows ${JSON.stringify(expected)}`);
    }
    const trends = JSON.parse(text).data.event.organizers.nodes[0].projects.nodes;
    check(trends.length === 5, `the event's organizer projects 5 trends (got ${trends.length})`);
  });

  await step("find the query in the history", async () => {
    await page.click('button[aria-label="Show History"]');
    await page.waitForSelector(".graphiql-history-item");
  });

  await step("run a query with variables", async () => {
    const variables = '.graphiql-editor-tool[aria-label="Variables"] .graphiql-editor:not(.hidden) .CodeMirror';
    await page.waitForSelector(variables, { visible: true });
    await page.evaluate((variables) => {
      const query = "query Event($slug: String!) {\n  event(slug: $slug) { name startDate }\n}\n";
      document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(query);
      document.querySelector(variables).CodeMirror.setValue('{ "slug": "wic-founding-2022" }');
    }, variables);
    await page.click(".graphiql-execute-button");
    const text = await result("2022-07-12");
    check(
      text.includes("Establishment of the World Internet Conference as an international organization"),
      "the result shows the event chosen by the variables",
    );
  });

  await step("open the documentation explorer", async () => {
    await page.click('button[aria-label="Show Documentation Explorer"]');
    const query = await page.waitForSelector(".graphiql-doc-explorer a.graphiql-doc-explorer-type-name ::-p-text(Query)");
    await query.click();
    await page.waitForFunction(
      () => document.querySelector(".graphiql-doc-explorer")?.innerText.includes("The entry points into the graph"),
    );
  });

  check(
    requests.some((url) => url.startsWith(`${origin}/playground/assets/graphiql.min.`)),
    "GraphiQL to be loaded from /playground/assets/",
  );
} catch (error) {
  fail(error.message);
} finally {
  if (page) {
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot }).catch((e) => fail(`no screenshot: ${e.message}`));
  }
  await browser.close();
}

// Whatever happened above: nothing from elsewhere, and no error on the page.
const local = (url) => ["data:", "blob:", "about:"].includes(new URL(url).protocol) || new URL(url).origin === origin;
const external = requests.filter((url) => !local(url));
if (external.length) fail(`requests went to other hosts than ${origin}:\n  ${external.join("\n  ")}`);
if (problems.length) fail(`the page reported errors:\n  ${problems.join("\n  ")}`);

console.log(`${requests.length} requests:`);
for (const url of requests) console.log(`  ${url.length > 100 ? `${url.slice(0, 97)}...` : url}`);
console.log(`screenshot: ${screenshot}`);
console.log(`${process.exitCode ? "FAILED" : "passed"} in ${Date.now() - started} ms`);

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exitCode = 1;
}

/** Runs one named step, timing it; a failure names the step. */
async function step(name, body) {
  const start = Date.now();
  try {
    await body();
  } catch (error) {
    throw new Error(`${name}: ${error.message}`);
  }
  console.log(`ok  ${name} (${Date.now() - start} ms)`);
}

function check(condition, what) {
  if (!condition) throw new Error(`expected ${what}`);
}

/**
 * The result panel's whole text once it contains `expected`, read from CodeMirror: its DOM
 * holds only the lines in view.
 */
async function result(expected) {
  const text = await page.waitForFunction(
    (expected) => {
      const text = document.querySelector(".result-window .CodeMirror")?.CodeMirror.getValue();
      return text?.includes(expected) && text;
    },
    {},
    expected,
  );
  return text.jsonValue();
}
