// The README shows the lines between the markers verbatim (Kv.Tests' ReadmeSamplesTests checks it).
// <readme>
using Kv.Core.Buckets;

var registry = new BucketRegistry();
var shopping = registry.Create("shopping");    // returns the existing bucket if there is one
shopping.Put("milk", "1");
string? milk = shopping.Get("milk");           // "1"
shopping.Delete("milk");

if (registry.TryLookup("shopping", out var found)) { /* the same bucket */ }
shopping.Stop();                                // stopped buckets leave the registry at once
// </readme>

Console.WriteLine($"milk={milk} same={ReferenceEquals(found, shopping)} after-stop={registry.TryLookup("shopping", out _)}");
