import React from 'react';
import { Box, Text } from 'ink';
import { layerLine, type Job, type LogTone } from '../model/index.js';
import { Panel } from './Panel.js';

const stateColors = { running: 'yellow', done: 'green', failed: 'red', cancelled: 'gray' } as const;
const stateMarks = { running: '…', done: '✓', failed: '✗', cancelled: '⊘' } as const;
const toneColors: Record<LogTone, string | undefined> = { step: 'cyan', cache: 'green', output: undefined, error: 'red', done: 'green', plain: 'gray' };

/** The lines one job shows: its header, then per-layer progress (pull) and the end of its log. */
function jobLines(job: Job, room: number): React.ReactElement[] {
  const out: React.ReactElement[] = [
    <Text key={`${job.id}-head`} wrap="truncate-end">
      <Text color={stateColors[job.state]}>{stateMarks[job.state]} </Text>
      <Text bold>{job.title}</Text>
      <Text color={job.state === 'failed' ? 'red' : 'gray'}>  {job.summary}</Text>
    </Text>,
  ];
  const layers = job.layers.map((l) => (
    <Text key={`${job.id}-layer-${l.id}`} wrap="truncate-end" color={l.status === 'Pull complete' || l.status === 'Already exists' ? 'green' : undefined}>
      {'  '}
      {layerLine(l)}
    </Text>
  ));
  const logRoom = Math.max(0, room - 1 - layers.length);
  const log = (logRoom > 0 ? job.lines.slice(-logRoom) : []).map((line, i) => (
    <Text key={`${job.id}-line-${job.lines.length - logRoom + i}`} wrap="truncate-end" color={toneColors[line.tone]}>
      {'  '}
      {line.text}
    </Text>
  ));
  return [...out, ...layers.slice(0, Math.max(0, room - 1)), ...log];
}

/**
 * The jobs panel: every pull, build, save, prune and extract, newest first, with its progress;
 * the newest job gets the room for its per-layer rows and its step log, older ones one line.
 */
export function JobsView({ jobs, width, height }: { jobs: readonly Job[]; width: number; height: number }): React.ReactElement {
  const body = height - 3;
  const [newest, ...older] = jobs;
  const olderShown = older.slice(0, Math.max(0, Math.floor(body / 3)));
  const lines = newest ? jobLines(newest, body - olderShown.length) : [];
  return (
    <Panel title={<Text bold>Jobs {jobs.length > 0 ? `(${jobs.filter((j) => j.state === 'running').length} running)` : ''}  <Text color="gray">J closes</Text></Text>} focused={false} width={width} height={height}>
      {newest ? (
        <Box flexDirection="column">
          {lines}
          {olderShown.map((job) => jobLines(job, 1))}
        </Box>
      ) : (
        <Text color="gray" wrap="wrap">
          No jobs yet. Pull (p), build (b) or save (S) an image, or prune on the Disk usage panel (4).
        </Text>
      )}
    </Panel>
  );
}
