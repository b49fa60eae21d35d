namespace Vae.Cli.Data;

/// <summary>
/// Rows of features read from a file, before they become a <see cref="Vae.Simd.Dataset"/>: the loaders keep the names
/// (columns, classes) and the channel count that a dataset has no place for, so that reports and plots can use them.
/// </summary>
/// <param name="Values">Row-major, <paramref name="Features"/> per row; every value finite.</param>
/// <param name="Rows">Number of rows.</param>
/// <param name="Features">Values per row; for images height × width × channels, interleaved height-major, then width,
/// then channel (HWC), each in [0, 1] (byte / 255).</param>
/// <param name="Labels">One class per row (≥ 0), or null when the source has none.</param>
/// <param name="FeatureNames">One name per feature: the header names of a table, pixel coordinates of an image.</param>
/// <param name="ClassNames">What label i stands for, when the labels were names rather than numbers.</param>
/// <param name="ImageHeight">0 for a table.</param>
/// <param name="ImageWidth">0 for a table.</param>
/// <param name="ImageChannels">0 for a table, 1 for greyscale images, 3 for RGB.</param>
/// <param name="Source">The file or folder read, for messages.</param>
internal sealed record LoadedTable(float[] Values, int Rows, int Features, int[]? Labels, string[] FeatureNames, string[]? ClassNames,
    int ImageHeight, int ImageWidth, int ImageChannels, string Source);
