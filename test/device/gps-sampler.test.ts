import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GpsSampler } from '../../device/modules/gps/sampler.js';
import { GpsSettings, distanceM } from '../../protocols/index.js';

const settings = GpsSettings.parse({});
const at = (s: number, lat: number, lon: number, speed?: number) => ({ time: 1_764_000_000_000 + s * 1000, lat, lon, ...(speed === undefined ? {} : { speed }) });

test('distance: a degree of latitude is about 111.2 km; a metre is a metre', () => {
  assert.ok(Math.abs(distanceM({ lat: 46, lon: 15 }, { lat: 47, lon: 15 }) - 111_195) < 10);
  assert.ok(Math.abs(distanceM({ lat: 46.36, lon: 15.11 }, { lat: 46.36, lon: 15.11 + 1 / 77_000 }) - 1) < 0.05);
});

test('one record a second while moving, one per parkedIntervalS while standing, and both edges at once', () => {
  const sampler = new GpsSampler(settings);
  const taken: number[] = [];
  // 0–59 s standing at the terminus, 60–119 s driving at 8 m/s north, 120–179 s standing at a stop.
  let lat = 46.36;
  for (let s = 0; s < 180; s++) {
    const moving = s >= 60 && s < 120;
    if (moving) lat += 8 / 111_195;
    if (sampler.take(at(s, lat, 15.11, moving ? 8 : 0))) taken.push(s);
  }
  const standing = taken.filter((s) => s < 60);
  const driving = taken.filter((s) => s >= 60 && s < 120);
  const stopped = taken.filter((s) => s >= 120);
  assert.equal(standing, [0, 30], 'parked: every 30 s');
  assert.is(driving.length, 60, 'moving: every second');
  assert.is(stopped[0], 120, 'the stop is recorded at once');
  assert.equal(stopped, [120, 150]);
});

test('a crawl without speed (a receiver that reports none) counts as moving by distance; repeats and a clock going back are dropped', () => {
  const sampler = new GpsSampler(settings);
  assert.ok(sampler.take(at(0, 46.36, 15.11)));
  assert.not.ok(sampler.take(at(1, 46.36, 15.11)), 'still there: not due');
  assert.ok(sampler.take(at(2, 46.36 + 20 / 111_195, 15.11)), '20 m on: moving, recorded');
  assert.ok(sampler.moving);
  assert.not.ok(sampler.take(at(2, 46.36 + 40 / 111_195, 15.11)), 'same time again');
  assert.not.ok(sampler.take(at(1, 46.36 + 60 / 111_195, 15.11)), 'time went back');
});

test.run();
