import { describe, expect, it } from 'vitest';
import { taskBranchName } from './task-branch.ts';

describe('taskBranchName', () => {
  it('makes a short, safe, unique branch from the title and the id', () => {
    expect(taskBranchName({ id: 'task_01JABCDEF0123456789', title: 'Fix the build: café & tests!' })).toBe(
      'goosuke/fix-the-build-cafe-tests-23456789',
    );
    expect(taskBranchName({ id: 'task_01JABCDEF0123456789', title: '価格表示を修正' })).toBe(
      'goosuke/task-23456789',
    );
  });

  it('stays within 60 characters, cut at a word boundary', () => {
    const name = taskBranchName({
      id: 'task_1',
      title: 'Make formatPrice always show two decimals everywhere in the billing package and the web app',
    });
    expect(name.length).toBeLessThanOrEqual(60);
    expect(name).toBe('goosuke/make-formatprice-always-show-two-decimals-task1');
    expect(name).toMatch(/^goosuke\/[a-z0-9-]+$/);
  });
});
