import { readdirSync, readFileSync } from 'node:fs';
import { lockHolder } from '../../src/db/locks.js';
import type { Db } from '../../src/db/open.js';

/** The pid holding the cross-process sync lock, or null when no sync runs. */
export function syncLockOwner(db: Db): number | null {
  return lockHolder(db, 'sync')?.pid ?? null;
}

/** The command line of a live process ('' once it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** "pid (comm) state ppid pgrp …" of /proc/<pid>/stat from the state on: comm may hold spaces and parentheses. */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** A live process's nice value. */
export function niceOf(pid: number): number {
  return Number(statFields(pid)[16]);
}

/** Live processes of a process group (a sync worker leads its own, with the git processes it starts). */
export function processGroup(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fields: string[];
    try {
      fields = statFields(entry);
    } catch {
      continue; // gone meanwhile
    }
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
  }
  return members;
}

/** Whether a process exists (a zombie counts: it is not reaped yet). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
