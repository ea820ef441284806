import { describe, expect, it } from 'vitest';
import { RequestHistogram, requestBuckets } from './request-histogram.js';

describe('RequestHistogram', () => {
  it('renders cumulative buckets (le is ≤), +Inf, sum and count per route, method and status', () => {
    const histogram = new RequestHistogram('requests_seconds', 'help text');
    histogram.record('/a', 'GET', 200, 0.001);
    histogram.record('/a', 'GET', 200, 0.003);
    histogram.record('/a', 'GET', 200, 60);
    histogram.record('/a', 'POST', 400, 0.0001);
    const lines = histogram.render().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      '# HELP requests_seconds help text',
      '# TYPE requests_seconds histogram',
    ]);
    const get = lines.filter((l) => l.includes('method="GET"'));
    expect(get).toHaveLength(requestBuckets.length + 3);
    expect(get).toContain('requests_seconds_bucket{route="/a",method="GET",status="200",le="0.0005"} 0');
    expect(get).toContain('requests_seconds_bucket{route="/a",method="GET",status="200",le="0.001"} 1');
    expect(get).toContain('requests_seconds_bucket{route="/a",method="GET",status="200",le="0.005"} 2');
    expect(get).toContain('requests_seconds_bucket{route="/a",method="GET",status="200",le="10"} 2');
    expect(get).toContain('requests_seconds_bucket{route="/a",method="GET",status="200",le="+Inf"} 3');
    expect(get).toContain('requests_seconds_sum{route="/a",method="GET",status="200"} 60.004');
    expect(get).toContain('requests_seconds_count{route="/a",method="GET",status="200"} 3');
    expect(lines).toContain('requests_seconds_count{route="/a",method="POST",status="400"} 1');
    expect(lines.at(-1)).toBe('');
  });

  it('escapes label values as the text format asks', () => {
    const histogram = new RequestHistogram('r', 'h');
    histogram.record('/a"b\\c\nd', 'GET', 200, 0.01);
    expect(histogram.render()).toContain('r_count{route="/a\\"b\\\\c\\nd",method="GET",status="200"} 1');
  });
});
