using Vae.Simd;

// Usage: PlainApp DATA_DIR [epochs=3] [threads=0]. Trains the canonical VAE and prints the mean samples/s of epochs 2..E.
string data = args.Length > 0 ? args[0] : "data/mnist";
int epochs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
int threads = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0;
var (train, _) = Dataset.LoadMnist(data);
using var vae = new VariationalAutoencoder(new ModelConfig(), seed: 1);
var reports = vae.Fit(train, new TrainingOptions { Epochs = epochs, Threads = threads });
Console.WriteLine(Math.Round(reports.Skip(1).Average(r => r.SamplesPerSecond)));
