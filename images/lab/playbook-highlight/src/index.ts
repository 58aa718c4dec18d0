/**
 * Highlight `%%playbook` cells as YAML.
 *
 * A code cell whose source starts with the `%%playbook` cell magic holds an
 * Ansible playbook, not Python. This plugin sets such a cell's editor
 * mimetype to YAML, and back to the notebook's own language (the kernel's)
 * when the magic line goes away.
 *
 * The mimetype lives on the cell model, so it is kept in step with the model
 * rather than with the editors: a cell's editor may be created late (cells
 * outside the viewport) and reads the model's mimetype when it is.
 *
 * The notebook widget itself sets every code cell's mimetype to the kernel's
 * language when a cell is inserted and whenever the kernel's language_info
 * changes; the plugin listens to each cell's mimetype changes and sets YAML
 * again after such a reset.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import type { ICellModel } from '@jupyterlab/cells';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker, Notebook, NotebookPanel } from '@jupyterlab/notebook';

/** The magic's first line: `%%playbook`, alone or followed by its options. */
const PLAYBOOK_MAGIC = /^%%playbook(?:\s|$)/;

/** JupyterLab's YAML mimetype, if its language registry does not name one. */
const DEFAULT_YAML_MIME = 'text/x-yaml';

/** Whether a cell's source starts with the `%%playbook` magic. */
function isPlaybook(cell: ICellModel): boolean {
  return PLAYBOOK_MAGIC.test(cell.sharedModel.getSource());
}

/** The mimetype of the registry's YAML language (its first if it has several). */
function yamlMimeType(languages: IEditorLanguageRegistry): string {
  const mime = languages.findByName('yaml')?.mime;
  return (Array.isArray(mime) ? mime[0] : mime) || DEFAULT_YAML_MIME;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'asynclab-playbook-highlight:plugin',
  description: 'Highlights %%playbook cells as YAML.',
  autoStart: true,
  requires: [INotebookTracker, IEditorLanguageRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    languages: IEditorLanguageRegistry
  ): void => {
    const yamlMime = yamlMimeType(languages);
    // Cell models already watched (a model is watched once, even if its
    // notebook fires several signals about it).
    const watched = new WeakSet<ICellModel>();

    /** The mimetype a code cell should have now, or null to leave it alone. */
    const wanted = (notebook: Notebook, cell: ICellModel): string | null => {
      if (isPlaybook(cell)) {
        return yamlMime;
      }
      // Only undo what this plugin did: a non-playbook cell in YAML goes back
      // to the notebook's language; any other mimetype is not ours to change.
      return cell.mimeType === yamlMime ? notebook.codeMimetype : null;
    };

    /** Bring one code cell's mimetype in line with its source. */
    const update = (notebook: Notebook, cell: ICellModel): void => {
      if (cell.isDisposed || cell.type !== 'code') {
        return;
      }
      const target = wanted(notebook, cell);
      if (target === null || target === cell.mimeType) {
        return;
      }
      // The editor loads a language asynchronously when the mimetype changes.
      // Switch only once the current mimetype's language has loaded, so that
      // a slow load (e.g. Python's, the first time, right after a kernel
      // reset) cannot finish after YAML's and win. Decide again then: the
      // source or the mimetype may have changed meanwhile.
      void languages
        .getLanguage(cell.mimeType)
        .catch(() => null)
        .then(() => {
          if (cell.isDisposed) {
            return;
          }
          const now = wanted(notebook, cell);
          if (now !== null && now !== cell.mimeType) {
            cell.mimeType = now;
          }
        });
    };

    /** Watch a cell: its source (typing, pasting) and its mimetype (resets). */
    const watchCell = (notebook: Notebook, cell: ICellModel): void => {
      if (cell.type !== 'code' || watched.has(cell)) {
        update(notebook, cell);
        return;
      }
      watched.add(cell);
      // The connections end with the cell model (disposing clears its signals).
      cell.contentChanged.connect(() => update(notebook, cell));
      cell.mimeTypeChanged.connect(() => update(notebook, cell));
      update(notebook, cell);
    };

    /** Watch every cell of a notebook's current model, and cells added later. */
    const watchModel = (notebook: Notebook): void => {
      const model = notebook.model;
      if (!model) {
        return;
      }
      for (const cell of model.cells) {
        watchCell(notebook, cell);
      }
      // Added, pasted, moved or re-typed cells come as new or moved models.
      model.cells.changed.connect((_, change) => {
        for (const cell of change.newValues) {
          watchCell(notebook, cell);
        }
      });
    };

    /** Watch a notebook panel, also when its notebook gets another model. */
    const watchPanel = (panel: NotebookPanel): void => {
      const notebook = panel.content;
      notebook.modelChanged.connect(() => watchModel(notebook));
      watchModel(notebook);
    };

    tracker.forEach(watchPanel);
    tracker.widgetAdded.connect((_, panel) => watchPanel(panel));
  }
};

export default plugin;
