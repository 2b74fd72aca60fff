/**
 * REDIS_CLUSTER_NODES as a gateway reads it: host:port entries, in place of
 * REDIS_URL; a bad value stops the start with one line naming the variable
 * (never echoing the entry, which may hold a password); an unreachable
 * cluster is one warning naming the variable, and the gateway answers.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import { startReplicaProcess } from '../helpers/replicas.js';

describe('REDIS_CLUSTER_NODES', () => {
  it('names the cluster\'s nodes', () => {
    expect(configFromEnv({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-2.internal:7001,[::1]:7002' }).redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 }, { host: 'redis-2.internal', port: 7001 }, { host: '::1', port: 7002 },
    ]);
    expect(configFromEnv({}).redisClusterNodes).toBeUndefined();
    expect(configFromEnv({ REDIS_CLUSTER_NODES: '' }).redisClusterNodes).toBeUndefined();
  });

  it.each([
    ['localhost', 1, 1], ['a:1,b', 2, 2], ['a:0', 1, 1], ['a:65536', 1, 1], ['redis://:secret@a:6379', 1, 1], ['a:1,,b:2', 2, 3], ['a :1', 1, 1],
  ])('refuses %j, naming the variable and the entry\'s place, not the entry', (value, place, of) => {
    expect(() => configFromEnv({ REDIS_CLUSTER_NODES: value })).toThrow(
      `REDIS_CLUSTER_NODES must be host:port entries separated by commas, such as 10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379; entry ${place} of ${of} is not`,
    );
    expect(() => configFromEnv({ REDIS_CLUSTER_NODES: value })).not.toThrow(/secret/);
  });

  it('is not given together with REDIS_URL', () => {
    expect(() => configFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379/0', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }))
      .toThrow('Set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  });

  it('a gateway given a bad value stops at start with one line naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', UPSALES_URL: 'http://127.0.0.1:9/wsapi', REDIS_CLUSTER_NODES: 'redis://:secret@10.0.0.1:6379' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => void (output += chunk));
    child.stderr!.on('data', (chunk: Buffer) => void (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).msg).toBe('REDIS_CLUSTER_NODES must be host:port entries separated by commas, such as 10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379; entry 1 of 1 is not');
    expect(output).not.toMatch(/secret/);
  });

  it('a gateway whose cluster is unreachable says so once, naming the variable, and answers', async () => {
    const gateway = await startReplicaProcess({ UPSALES_URL: 'http://127.0.0.1:9/wsapi', REDIS_CLUSTER_NODES: '127.0.0.1:9,127.0.0.1:11' });
    try {
      const health = await fetch(`${gateway.base}/healthz`);
      expect(health.status).toBe(200);
      const said = gateway.output().split('\n').filter((line) => /unreachable/.test(line));
      expect(said).toHaveLength(1);
      expect(JSON.parse(said[0]).msg).toMatch(/^Redis at REDIS_CLUSTER_NODES 127\.0\.0\.1:9,127\.0\.0\.1:11 is unreachable \(.+\): the call budget is no longer shared/);
    } finally {
      await gateway.stop();
    }
  });
});
