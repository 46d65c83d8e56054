"""GRAPES's own helpers, copied so the tests can run them on ``to_grapes`` output.

Source: github.com/MPJ-Imaging/GRAPES, file ``GRAPES.py`` at commit 65ff96d8 (2025-10-17),
functions ``radial_layers_quartiles``, ``radial_layers_deciles`` and ``prop_2_image``.
Copyright (c) 2024 University College London, MIT License. Docstrings, logging and the
plotting/saving branches of ``prop_2_image`` (only taken with ``show=True`` or a
``save_path``) are left out; the data handling is unchanged, including its reliance on
``layer.shape[0]`` (the array-valued cells must be numpy arrays) and on a ``label`` column.
"""

import warnings

import numpy as np
import pandas as pd


def _radial_layers_bins(grapes_df, prop, grapes_properties, bins, bin_name):
    """The shared body of GRAPES's radial_layers_quartiles / radial_layers_deciles."""
    if grapes_properties is None:
        grapes_properties = ['radial_layers', 'radial_layers_graylevel', 'radial_layers_graylevelnormed']
    if prop not in grapes_df.columns:
        raise ValueError(f"The property '{prop}' is not present in the DataFrame.")
    for gprop in grapes_properties:
        if gprop not in grapes_df.columns:
            raise ValueError(f"The GRAPES property '{gprop}' is not present in the DataFrame.")
    df = grapes_df.copy()
    df[f'{bin_name.lower()}_bin'] = pd.qcut(df[prop], bins, labels=False, duplicates='drop')
    aggregated_data = {bin_name: [], 'Property': [], 'Layer': [], 'Mean': [], 'Std': [],
                       'SE': [], 'Sample_n': []}
    for quartile in sorted(df[f'{bin_name.lower()}_bin'].unique()):
        quartile_df = df[df[f'{bin_name.lower()}_bin'] == quartile]
        for gprop in grapes_properties:
            radial_layers_list = quartile_df[gprop].dropna().tolist()
            if not radial_layers_list:
                continue
            max_layers = max(layer.shape[0] for layer in radial_layers_list)
            means, stds, ses, sample_n = [], [], [], []
            for layer_idx in range(max_layers):
                layer_values = [layer[layer_idx] for layer in radial_layers_list
                                if layer_idx < layer.shape[0]]
                if not layer_values:
                    means.append(np.nan)
                    stds.append(np.nan)
                    ses.append(np.nan)
                    sample_n.append(0)
                    continue
                layer_mean = np.mean(layer_values)
                layer_std = np.std(layer_values)
                n_samples = len(layer_values)
                layer_se = layer_std / np.sqrt(n_samples) if n_samples > 0 else np.nan
                means.append(layer_mean)
                stds.append(layer_std)
                ses.append(layer_se)
                sample_n.append(n_samples)
            for layer_idx in range(max_layers):
                aggregated_data[bin_name].append(quartile)
                aggregated_data['Property'].append(gprop)
                aggregated_data['Layer'].append(layer_idx + 1)
                aggregated_data['Mean'].append(means[layer_idx])
                aggregated_data['Std'].append(stds[layer_idx])
                aggregated_data['SE'].append(ses[layer_idx])
                aggregated_data['Sample_n'].append(sample_n[layer_idx])
    return pd.DataFrame(aggregated_data)


def radial_layers_quartiles(grapes_df, prop='volume', grapes_properties=None):
    """GRAPES.radial_layers_quartiles: per volume quartile, per layer mean/Std/SE/Sample_n."""
    return _radial_layers_bins(grapes_df, prop, grapes_properties, 4, 'Quartile')


def radial_layers_deciles(grapes_df, prop='volume', grapes_properties=None):
    """GRAPES.radial_layers_deciles: the same over deciles."""
    return _radial_layers_bins(grapes_df, prop, grapes_properties, 10, 'Decile')


def prop_2_image(labels, df, prop='volume'):
    """GRAPES.prop_2_image without its plotting: each voxel gets its particle's ``prop``."""
    if not isinstance(labels, np.ndarray):
        raise TypeError(f"'labels' must be a numpy ndarray, got {type(labels)} instead.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"'labels' array must contain integer values, got {labels.dtype} instead.")
    required_columns = {'label', prop}
    if not required_columns.issubset(df.columns):
        missing = required_columns - set(df.columns)
        raise ValueError(f"The dataframe is missing required columns: {missing}")
    if df['label'].duplicated().any():
        duplicated_labels = df['label'][df['label'].duplicated()].unique()
        raise ValueError(f"Duplicate labels found in dataframe: {duplicated_labels}")
    label_to_prop = pd.Series(df[prop].values, index=df['label']).to_dict()
    max_label = labels.max()
    lookup = np.zeros(max_label + 1, dtype=float)
    for label, value in label_to_prop.items():
        if not isinstance(label, (int, np.integer)):
            warnings.warn(f"Label '{label}' is not an integer. It will be skipped.")
            continue
        if label < 0 or label > max_label:
            warnings.warn(f"Label '{label}' is outside the range of labels in the image (0 to {max_label}). It will be skipped.")
            continue
        lookup[label] = value
    unique_labels_in_image = np.unique(labels)
    labels_not_in_mapping = np.setdiff1d(unique_labels_in_image, list(label_to_prop.keys()))
    if len(labels_not_in_mapping) > 0:
        warnings.warn(f"The following labels in the image are not present in the dataframe and will be assigned 0: {labels_not_in_mapping}")
    return lookup[labels]
