// Read iCalendar files the way a real client does and print what it understood, as JSON.
//
//   node read-ics.mjs icaljs FILE...     ical.js, the parser of Thunderbird and Nextcloud
//   node read-ics.mjs nodeical FILE...   node-ical
//
// Prints {"FILE": [{uid, summary, status, sequence, start, end, allDay}, ...], ...} with
// start and end as UTC instants (ISO 8601, "Z") for timed events, dates for all-day ones.
// The conformance tests compare these with what vobject and icalendar read.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function icaljs(text) {
  const ICAL = require("ical.js");
  // As Thunderbird does: the times' TZID is looked up in the file's own VTIMEZONE.
  const root = new ICAL.Component(ICAL.parse(text));
  return root.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    const allDay = event.startDate.isDate;
    const when = (time) =>
      time === null ? null : allDay ? time.toString() : time.toJSDate().toISOString();
    return {
      uid: event.uid,
      summary: event.summary,
      status: component.getFirstPropertyValue("status"),
      sequence: event.sequence,
      start: when(event.startDate),
      end: when(event.endDate),
      allDay,
    };
  });
}

function nodeical(text) {
  const ical = require("node-ical");
  const parsed = ical.sync.parseICS(text);
  const pad = (n) => String(n).padStart(2, "0");
  // node-ical gives an all-day date as a Date at local midnight (flagged dateOnly).
  const day = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return Object.values(parsed)
    .filter((item) => item.type === "VEVENT")
    .map((item) => {
      const allDay = item.datetype === "date";
      const when = (d) => (d ? (allDay ? day(d) : d.toISOString()) : null);
      return {
        uid: item.uid,
        summary: typeof item.summary === "object" ? item.summary.val : item.summary,
        status: item.status ?? null,
        sequence: item.sequence === undefined ? null : Number(item.sequence),
        start: when(item.start),
        end: when(item.end),
        allDay,
      };
    });
}

const readers = { icaljs, nodeical };
const [name, ...files] = process.argv.slice(2);
const reader = readers[name];
if (!reader || files.length === 0) {
  console.error("usage: node read-ics.mjs icaljs|nodeical FILE...");
  process.exit(2);
}
const out = {};
for (const file of files) {
  out[file] = reader(readFileSync(file, "utf8"));
}
process.stdout.write(JSON.stringify(out));
