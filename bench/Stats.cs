using System.Diagnostics;
using System.Globalization;

namespace Impact.Bench;

/// <summary>Percentiles and formatting shared by the scenarios.</summary>
public static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = p / 100.0 * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    public static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public static string F(double v, int decimals = 2) => v.ToString("F" + decimals, CultureInfo.InvariantCulture);

    /// <summary>Runs <paramref name="callers"/> concurrent loops for <paramref name="total"/> calls; returns sorted latencies (ms) and wall time (s).</summary>
    public static async Task<(List<double> LatenciesMs, double Seconds)> RunConcurrentAsync(int callers, int total, Func<int, Task> call)
    {
        var latencies = new List<double>(total);
        var next = -1;
        var gate = new object();
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var start = Stopwatch.GetTimestamp();
                await call(i);
                var ms = Ms(Stopwatch.GetTimestamp() - start);
                lock (gate)
                {
                    latencies.Add(ms);
                }
            }
        }));
        wall.Stop();
        latencies.Sort();
        return (latencies, wall.Elapsed.TotalSeconds);
    }
}
