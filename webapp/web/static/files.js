/* File pickers in Vietnamese (the file_input macro of _forms.html). Once this runs, <html> has the class
   "js-files": the browser's own «Choose File / No file chosen» is hidden under a label styled as a button
   («Chọn tệp…»); the input itself keeps the focus and the keyboard, and the chosen file's name is said
   beside it. Without this script the native input shows as it is. */
(function () {
  "use strict";
  document.documentElement.classList.add("js-files");
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input.file-input")) return;
    var said = document.getElementById(input.id + "-chosen");
    if (said) said.textContent = input.files && input.files.length ? input.files[0].name : said.dataset.none;
  });
})();
