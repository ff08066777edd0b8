// --slo on the command line (docs/slos.md, docs/cli.md, docs/gates.md): every malformed spec is one
// line and exit 2 before any query; PERFMON_SLOS is read when no --slo is given; the SLOS section
// comes after ISSUES in the text report, as a table in Markdown and HTML; slo.<name>.* gates decide
// on the figures the JSON shows. Real CLI runs on the demo data.
import { describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';

const DEMO = ['--demo', '--until', '2025-11-20T10:00:00Z', '--slo-period', '7d'];
const HUBSPOT = 'hubspot.availability>=98.5';

describe('bad specs: one line, exit 2', () => {
  it.each([
    [['--slo', 'availability>99'], "--slo 'availability>99' is not valid: use [service.]availability>=<percent>"],
    [['--slo', 'availability>=100'], 'the objective is a percentage strictly between 0 and 100'],
    [['--slo', 'availability>=0'], 'the objective is a percentage strictly between 0 and 100'],
    [['--slo', 'n8n.latency(0)>=99'], 'the latency threshold is a whole number of milliseconds from 1 to 3,600,000'],
    [['--slo', 'n8n.latency(1.5)>=99'], 'the latency threshold is a whole number'],
    [['--slo', '.availability>=99'], 'name a service before the dot'],
    [['--slo', 'uptime>=99'], 'use [service.]availability>=<percent>'],
    [['--slo', 'availability>=99', '--slo', 'all.availability>=99.5'], "--slo: the SLO 'all-availability' is declared twice"],
    [['--slo-period', '12h'], "--slo-period '12h' is not valid: use a duration from 1d to 90d"],
    [['--slo-period', '91d'], "--slo-period '91d' is not valid"],
    [['--slo', HUBSPOT, '--assert', 'slo.n8n-availability.achieved>99'], "no SLO 'n8n-availability'; declared: 'hubspot-availability'"],
    [['--assert', 'slo.all-availability.budget>0'], 'unknown SLO metric'],
    [['--slo', HUBSPOT, '--assert', 'slo.hubspot-availability.budgetRemaining>2'], 'out of range for budgetRemaining'],
  ])('%j', async (args, message) => {
    const result = await runCli(['--demo', ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });

  it('PERFMON_SLOS: each spec checked, named by the variable; --slo wins over it', async () => {
    const bad = await runCli(['--demo'], { env: { PERFMON_SLOS: 'availability>=99, n8n.latency(x)>=9' } });
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({
      code: 2,
      stderr:
        "perf-monitor: PERFMON_SLOS: 'n8n.latency(x)>=9' is not valid: the latency threshold is a whole number of milliseconds from 1 to 3,600,000, such as latency(1500)\n",
    });
    const env = await runCli([...DEMO, '--format', 'json'], { env: { PERFMON_SLOS: `availability>=99,${HUBSPOT}` } });
    expect((JSON.parse(env.stdout) as { slos: { name: string }[] }).slos.map((s) => s.name)).toEqual([
      'all-availability',
      'hubspot-availability',
    ]);
    const given = await runCli([...DEMO, '--format', 'json', '--slo', 'n8n.latency(5000)>=90'], {
      env: { PERFMON_SLOS: 'availability>=99' },
    });
    expect((JSON.parse(given.stdout) as { slos: { name: string }[] }).slos.map((s) => s.name)).toEqual(['n8n-latency-5000']);
  });
});

describe('the SLOS section and tables', () => {
  it('text: after ISSUES, before RECOMMENDATIONS, one block per SLO; without --slo, none', async () => {
    const text = (await runCli([...DEMO, '--no-color', '--slo', HUBSPOT, '--slo', 'ghost.availability>=99'])).stdout;
    const at = (title: string) => text.indexOf(`\n${title}\n`);
    expect(at('ISSUES')).toBeLessThan(at('SLOS'));
    expect(at('SLOS')).toBeLessThan(at('RECOMMENDATIONS'));
    // Hand check: (1 - 0.985) x 14,046 = 210.69 allowed; 181 bad: 85.91% used, 14.09% left.
    expect(text).toContain(
      '🟢 ok  hubspot-availability\n' +
        '   Achieved 98.711% vs objective 98.5% over 7d (14,046 events, 181 bad)\n' +
        '   Error budget: 14.09% left (85.91% used of 210.7 bad events allowed), gone in 28.8h at the 1h burn\n',
    );
    expect(text).toContain('⚪ no data  ghost-availability\n   Achieved n/a vs objective 99% over 7d (0 events, 0 bad)');
    expect((await runCli([...DEMO, '--no-color'])).stdout).not.toContain('\nSLOS\n');
  });

  it('Markdown and HTML: a table with a row per SLO', async () => {
    const markdown = (await runCli([...DEMO, '--format', 'markdown', '--slo', HUBSPOT])).stdout;
    expect(markdown).toContain('## SLOs\n\n| SLO | Status | Achieved |');
    expect(markdown).toMatch(/\| hubspot-availability \| 🟢 ok \| 98\.711% \| 98\.5% \| 14\.09% \| n\/a \| 0\.78x \|/);
    const html = (await runCli([...DEMO, '--format', 'html', '--slo', HUBSPOT])).stdout;
    expect(html).toContain('<table id="slos-table">');
    // The status icon is drawn by CSS around its emoji (render/html-icons.ts).
    expect(html).toContain(
      '<td>hubspot-availability</td><td><span class="icon icon-dot-ok" role="img" aria-label="excellent">🟢</span> ok</td><td class="num">98.711%</td>',
    );
  });
});

describe('slo.<name>.* gates', () => {
  it('decide on the figures the JSON shows; a failed one exits 3 after the report', async () => {
    const result = await runCli([
      ...DEMO,
      '--format',
      'json',
      '--slo',
      HUBSPOT,
      '--assert',
      'slo.hubspot-availability.budgetRemaining>0.1',
      '--assert',
      'slo.hubspot-availability.achieved>=99',
      '--assert',
      'slo.hubspot-availability.burnRate1h<1',
    ]);
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as {
      slos: { errorBudget: { remaining: number }; achieved: number; burnRates: { '1h': number } }[];
      gates: { assertions: { slo: string | null; metric: string; actual: number | null; passed: boolean }[] };
    };
    const [slo] = report.slos;
    expect(report.gates.assertions).toEqual([
      expect.objectContaining({ slo: 'hubspot-availability', metric: 'budgetRemaining', actual: slo?.errorBudget.remaining, passed: true }),
      expect.objectContaining({ slo: 'hubspot-availability', metric: 'achieved', actual: 98.711, passed: false }),
      expect.objectContaining({ slo: 'hubspot-availability', metric: 'burnRate1h', actual: slo?.burnRates['1h'], passed: true }),
    ]);
    expect(slo?.errorBudget.remaining).toBe(0.1409);
  });
});
