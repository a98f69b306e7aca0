namespace Impact.Ingest.Tests.Backfill;

/// <summary>
/// The managed heap is process-wide: the test that compares the heap of the first and second half of an import runs
/// alone (xunit runs this collection after the parallel ones), so other tests' allocations do not land in its samples.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BackfillMemoryCollection
{
    public const string Name = "Backfill memory";
}
