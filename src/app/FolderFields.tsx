import { useState, type DragEvent } from 'react';
import { formatBytes } from '../components/ProgressBar';
import { errorSentence } from '../state/errors';
import { toFilesSource, type FilesSource, type PickedFile } from '../state/folderSource';
import { hasDirectoryPicker, pickDirectory, readDrop, readFileList } from './readFolder';

interface FolderFieldsProps {
  readonly folder: FilesSource | null;
  readonly onFolder: (f: FilesSource) => void;
  readonly onError: (message: string) => void;
}

/**
 * A model folder from this computer: the browser's folder picker where it has one, a folder input
 * everywhere else, and a drop zone for files and folders. The files are read into memory here; the
 * engine sorts out the layout (and says in a sentence what is missing).
 */
export function FolderFields({ folder, onFolder, onError }: FolderFieldsProps) {
  const [reading, setReading] = useState(false);
  const [over, setOver] = useState(false);
  const take = async (read: () => Promise<PickedFile[] | null>) => {
    setReading(true);
    try {
      const files = await read();
      if (!files) return;
      if (files.length === 0) return onError('The folder is empty: pick the folder that holds the model’s .onnx, config and tokenizer files.');
      onFolder(toFilesSource(files));
    } catch (e) {
      onError(errorSentence(e, 'The files could not be read'));
    } finally {
      setReading(false);
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const dt = e.dataTransfer;
    void take(() => readDrop(dt));
  };
  const size = folder ? folder.files.reduce((s, f) => s + f.data.byteLength, 0) : 0;
  return (
    <div className="folder-fields">
      {hasDirectoryPicker() && (
        <button type="button" onClick={() => void take(pickDirectory)} disabled={reading}>
          Choose a model folder…
        </button>
      )}
      <label htmlFor="picker-folder">{hasDirectoryPicker() ? 'Or pick its files' : 'Model folder'}</label>
      <input
        id="picker-folder"
        type="file"
        multiple
        // React passes unknown lower-case attributes through; webkitdirectory turns the input into a folder picker.
        {...{ webkitdirectory: '', directory: '' }}
        onChange={(e) => {
          const list = e.currentTarget.files;
          if (list && list.length > 0) void take(() => readFileList(list));
        }}
        disabled={reading}
      />
      <div
        className={`drop-zone${over ? ' over' : ''}`}
        data-testid="picker-drop"
        role="region"
        aria-label="Drop a model folder or its files here"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        {reading ? 'Reading the files…' : 'Or drop a model folder (or its files) here.'}
      </div>
      {folder && (
        <p className="note" data-testid="picker-folder-summary">
          {folder.name}: {folder.files.length} {folder.files.length === 1 ? 'file' : 'files'}, {formatBytes(size)}.
        </p>
      )}
    </div>
  );
}
