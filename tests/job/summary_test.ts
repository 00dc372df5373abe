import assert from "node:assert/strict";
import { mainJobTiming } from "../../lib/job/summary.ts";

const JOB = { date: "2026-12-07T13:34:17.980Z", runtimeMinutes: 50.23 };
const STUDY = { date: "2026-12-07T14:27:55.267Z", runtimeMinutes: 53.6 };

Deno.test("mainJobTiming() keeps the main job's timing through a later study-only run", async () => {
  const file = `${await Deno.makeTempDir()}/full.main_job.json`;
  assert.deepEqual(await mainJobTiming(file, JOB, true), JOB);
  assert.deepEqual(await mainJobTiming(file, STUDY, false), JOB);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(file)), JOB);
  // A new run of the main job replaces the record.
  assert.deepEqual(await mainJobTiming(file, STUDY, true), STUDY);
  assert.deepEqual(await mainJobTiming(file, JOB, false), STUDY);
});

Deno.test("mainJobTiming() has nothing to give when no main job was recorded", async () => {
  const file = `${await Deno.makeTempDir()}/full.main_job.json`;
  assert.equal(await mainJobTiming(file, STUDY, false), undefined);
});

Deno.test("mainJobTiming() names a record that is not a timing", async () => {
  const file = `${await Deno.makeTempDir()}/full.main_job.json`;
  await Deno.writeTextFile(file, '{"date": 3}\n');
  await assert.rejects(
    mainJobTiming(file, STUDY, false),
    /full\.main_job\.json holds \{"date": 3\}/,
  );
});
