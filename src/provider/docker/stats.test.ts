import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPercent, diskUsageOf, memoryUsed } from './stats.ts';

test('CPU percent is the container delta over the system delta, times the online CPUs', () => {
  const s = {
    cpu_stats: { cpu_usage: { total_usage: 2_000_000_000 }, system_cpu_usage: 110_000_000_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 100_000_000_000 },
  };
  assert.equal(cpuPercent(s), 20);
});

test('CPU percent falls back to the per-CPU list, and is 0 without a previous sample', () => {
  const s = {
    cpu_stats: { cpu_usage: { total_usage: 3_000, percpu_usage: [1, 1, 1, 1] }, system_cpu_usage: 10_000 },
    precpu_stats: { cpu_usage: { total_usage: 2_000 }, system_cpu_usage: 8_000 },
  };
  assert.equal(cpuPercent(s), 200);
  assert.equal(cpuPercent({ cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 5 }, precpu_stats: {} }), 100);
  assert.equal(cpuPercent({ cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 5 }, precpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 5 } }), 0);
});

test('memory leaves out the inactive page cache, on cgroup v1 and v2', () => {
  assert.equal(memoryUsed({ memory_stats: { usage: 100_000, stats: { total_inactive_file: 30_000, inactive_file: 1 } } }), 70_000, 'v1');
  assert.equal(memoryUsed({ memory_stats: { usage: 100_000, stats: { inactive_file: 40_000 } } }), 60_000, 'v2');
  assert.equal(memoryUsed({ memory_stats: { usage: 100_000, stats: {} } }), 100_000, 'no cache figure');
  assert.equal(memoryUsed({ memory_stats: { usage: 10, stats: { inactive_file: 50 } } }), 10, 'a cache larger than usage is ignored');
});

test('disk usage sums images, containers, volumes and build cache', () => {
  const at = new Date('2026-11-22T10:00:00Z');
  assert.deepEqual(diskUsageOf({
    LayersSize: 1000,
    Containers: [{ SizeRw: 10 }, { SizeRw: 5 }, {}],
    Volumes: [{ UsageData: { Size: 100 } }, { UsageData: { Size: -1 } }, { UsageData: null }],
    BuildCache: null,
  }, at), { images_bytes: 1000, containers_bytes: 15, volumes_bytes: 100, build_cache_bytes: 0, at: '2026-11-22T10:00:00.000Z' });
});
