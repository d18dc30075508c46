/* Entry of static/vendor/form-js-editor/form-editor.min.js (build.sh bundles it with esbuild, global
   `FormEditorJs`): the bpmn.io form editor (@bpmn-io/form-js-editor) for Camunda Forms (.form, form-js JSON).
   static/form_editor.js drives it on the page /ui/forms/editor; no other page loads it. */
import { FormEditor } from "@bpmn-io/form-js-editor";

/* A form editor drawing into `container`. */
export function create(container) {
  return new FormEditor({ container });
}
