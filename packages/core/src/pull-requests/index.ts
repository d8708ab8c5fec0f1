export { type CommitMessageInput, commitHeaderMaxLength, composeCommitMessage } from './commit-message.ts';
export {
  type PickCandidate,
  pickableRuns,
  pickMatches,
  pickRun,
  type RunPick,
} from './pick-run.ts';
export {
  type ComparedRun,
  composePullRequestBody,
  type OwnedBlockInput,
  ownedBlockEnd,
  ownedBlockStart,
  renderOwnedBlock,
  replaceOwnedBlock,
} from './pull-request-body.ts';
export {
  pullRequestSummaryRequest,
  type SummaryPromptInput,
  summaryDiffLimit,
} from './pull-request-summary.ts';
export { taskBranchName, taskBranchPrefix } from './task-branch.ts';
