import { renderNav } from "./lab.js";
renderNav();
